"""OpenAI TTS (`audio.speech`, streamed `pcm`): 24 kHz 16-bit PCM resampled to 8 kHz mu-law.

Why `pcm`: it is the only raw format OpenAI streams; decoding mp3/opus would cost a codec and
latency. Chunks are converted as they arrive, so the first frame leaves before the sentence ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from adapters.audio import PCM24kToMulaw8k
from adapters.llm.openai_common import make_openai_client, openai_error
from adapters.tts.base import ProviderError


class OpenAITTS:
    """TTSProvider over `audio.speech.with_streaming_response.create(response_format="pcm")`."""

    def __init__(
        self,
        api_key: str,
        model: str = "gpt-4o-mini-tts",
        voice: str = "alloy",
        timeout_s: float = 5.0,
        base_url: str | None = None,
        name: str = "openai-tts",
    ) -> None:
        self.name = name
        self.model = model
        self.voice = voice
        self._client = make_openai_client(api_key, timeout_s, base_url)

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        converter = PCM24kToMulaw8k()
        try:
            async with self._client.audio.speech.with_streaming_response.create(
                model=self.model, voice=self.voice, input=text, response_format="pcm"
            ) as response:
                async for chunk in response.iter_bytes():
                    audio = converter.feed(chunk)
                    if audio:
                        yield audio
        except ProviderError:
            raise
        except Exception as exc:
            raise openai_error(self.name, exc) from exc
