"""OpenAI per-utterance transcription: buffer the caller's mu-law, send one WAV at flush().

Why per utterance: OpenAI's transcription endpoint takes a whole file, so this is the fallback
behind Deepgram's live stream. Our own VAD decides when the utterance ends (flush), the buffer is
turned into a 16-bit PCM WAV with NumPy and transcribed; no interim results.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from adapters.audio import mulaw_to_wav
from adapters.llm.openai_common import make_openai_client, openai_error
from adapters.stt.base import ProviderError, Transcript, queued_transcripts

MAX_UTTERANCE_BYTES = 60 * 8000  # 60 s of 8 kHz mu-law; older audio is dropped, not sent
MIN_UTTERANCE_BYTES = 800  # under 100 ms is a click, not speech: nothing to transcribe


class OpenAISTT:
    """STTProvider over `audio.transcriptions.create`; one client shared by all sessions."""

    def __init__(
        self,
        api_key: str,
        model: str = "gpt-transcribe",
        timeout_s: float = 8.0,
        base_url: str | None = None,
        language: str = "en",
        name: str = "openai-stt",
    ) -> None:
        self.name = name
        self.model = model
        self.language = language
        self._client = make_openai_client(api_key, timeout_s, base_url)

    async def open_session(self) -> OpenAISTTSession:
        return OpenAISTTSession(self)

    async def transcribe(self, mulaw_8k: bytes) -> str:
        """One utterance -> text; raises ProviderError on any failure."""
        try:
            result = await self._client.audio.transcriptions.create(
                file=("utterance.wav", mulaw_to_wav(mulaw_8k), "audio/wav"),
                model=self.model,
                language=self.language,
                response_format="json",
            )
            text = result.text
        except Exception as exc:
            raise openai_error(self.name, exc) from exc
        if not isinstance(text, str):
            raise ProviderError(self.name, "malformed response (no text)")
        return text.strip()


class OpenAISTTSession:
    """STTSession: audio is only buffered until flush(); a failed upload surfaces from flush()."""

    def __init__(self, provider: OpenAISTT) -> None:
        self._provider = provider
        self._buffer = bytearray()
        self._out: asyncio.Queue[Transcript | None] = asyncio.Queue()
        self._closed = False

    async def send_audio(self, mulaw_8k: bytes) -> None:
        if self._closed:
            raise ProviderError(self._provider.name, "session closed")
        self._buffer.extend(mulaw_8k)
        if len(self._buffer) > MAX_UTTERANCE_BYTES:
            del self._buffer[: len(self._buffer) - MAX_UTTERANCE_BYTES]

    async def flush(self) -> None:
        if self._closed:
            raise ProviderError(self._provider.name, "session closed")
        audio = bytes(self._buffer)
        if len(audio) < MIN_UTTERANCE_BYTES:
            self._buffer.clear()
            return
        text = await self._provider.transcribe(audio)  # on failure the audio stays for a retry
        self._buffer.clear()
        if text:
            self._out.put_nowait(Transcript(text, True, 1.0, self._provider.name))

    async def drop_pending(self) -> None:
        """Forget the buffered audio (a backchannel): it is not uploaded with the next turn."""
        self._buffer.clear()

    def transcripts(self) -> AsyncIterator[Transcript]:
        return queued_transcripts(self._out)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._out.put_nowait(None)
