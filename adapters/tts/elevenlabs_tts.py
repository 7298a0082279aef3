"""ElevenLabs streaming TTS on the elevenlabs SDK v2, straight to 8 kHz mu-law.

Why `ulaw_8000`: it is exactly what Twilio Media Streams carry, so the audio goes out untouched:
no decoding, no resampling, first bytes as soon as ElevenLabs sends them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from elevenlabs import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

from adapters.tts.base import ProviderError

OUTPUT_FORMAT = "ulaw_8000"
CHUNK_BYTES = 320  # 40 ms: the first audio leaves as soon as 40 ms of it has arrived


def elevenlabs_error(provider: str, exc: BaseException) -> ProviderError:
    """SDK/transport exception -> ProviderError with a short, content-free reason."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, ApiError):
        status = exc.status_code or 0
        if status == 429:
            return ProviderError(provider, "rate limited (429)")
        if status >= 500:
            return ProviderError(provider, f"server error ({status})")
        return ProviderError(provider, f"request rejected ({status})", retryable=False)
    name = type(exc).__name__
    if "Timeout" in name:
        return ProviderError(provider, "timeout")
    return ProviderError(provider, f"transport error ({name})")


class ElevenLabsTTS:
    """TTSProvider: one HTTP streaming request per sentence; SDK retries off."""

    def __init__(
        self,
        api_key: str,
        voice_id: str,
        model_id: str = "eleven_flash_v2_5",
        timeout_s: float = 5.0,
        base_url: str | None = None,
        name: str = "elevenlabs",
    ) -> None:
        if not api_key:
            raise ValueError("an ElevenLabs API key is required (GYDE_ELEVENLABS_API_KEY)")
        self.name = name
        self.voice_id = voice_id
        self.model_id = model_id
        self.timeout_s = timeout_s
        self._client = AsyncElevenLabs(api_key=api_key, base_url=base_url, timeout=timeout_s)

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        try:
            chunks = self._client.text_to_speech.stream(
                self.voice_id,
                text=text,
                model_id=self.model_id,
                output_format=OUTPUT_FORMAT,
                request_options={
                    "max_retries": 0,
                    "timeout_in_seconds": int(max(1, self.timeout_s)),
                    "chunk_size": CHUNK_BYTES,
                },
            )
            async for chunk in chunks:
                if chunk:
                    yield chunk
        except Exception as exc:
            raise elevenlabs_error(self.name, exc) from exc
