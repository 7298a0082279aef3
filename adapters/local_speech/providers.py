"""Local STT and TTS that speak the simulator's codec: offline, free, and exact.

They implement adapters/stt/base.py and adapters/tts/base.py so the media server cannot tell them
from a vendor; the benchmark uses them as its zero-cost providers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator

from adapters.local_speech import fsk_codec
from adapters.stt.base import QueuedTranscripts, Transcript

CHUNK_BYTES = 1600  # 200 ms per yielded TTS chunk: the player frames it into 20 ms frames
DECODE_BATCH_BYTES = 1280  # decode 160 ms at a time: NumPy cost is per call, not per sample


class LocalSTTSession(QueuedTranscripts):
    """Decodes codec messages as audio arrives; each completed message is one final transcript.

    Audio is decoded in 160 ms batches (a third of the per-frame CPU); `flush()`, which the media
    server calls at end of turn, decodes what is pending, so no transcript is ever late for a turn.
    """

    def __init__(self, provider: str, batch_bytes: int = DECODE_BATCH_BYTES) -> None:
        super().__init__()
        self._provider = provider
        self._decoder = fsk_codec.FskDecoder()
        self._pending = bytearray()
        self._batch = batch_bytes

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self._check_open()
        self._pending += mulaw_8k
        if len(self._pending) >= self._batch:
            self._decode()

    def _decode(self) -> None:
        audio = bytes(self._pending)
        self._pending.clear()
        for text in self._decoder.feed(audio):
            self._emit(Transcript(text=text, is_final=True, provider=self._provider))

    async def flush(self) -> None:
        """Decode what is pending: every message the caller finished is final now."""
        if self._pending:
            self._decode()


class LocalSTT:
    """STTProvider for the simulator's codec."""

    def __init__(self, name: str = "local") -> None:
        self.name = name

    async def open_session(self) -> LocalSTTSession:
        return LocalSTTSession(self.name)


class LocalTTS:
    """TTSProvider for the simulator's codec; repeated sentences come from a small LRU cache."""

    def __init__(self, name: str = "local", cache_size: int = 512) -> None:
        self.name = name
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_size = cache_size

    def audio_for(self, text: str) -> bytes:
        audio = self._cache.get(text)
        if audio is None:
            audio = fsk_codec.encode(text)
            self._cache[text] = audio
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(text)
        return audio

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        audio = self.audio_for(text)
        for start in range(0, len(audio), CHUNK_BYTES):
            yield audio[start : start + CHUNK_BYTES]
