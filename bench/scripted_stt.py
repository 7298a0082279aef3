"""An STT stand-in that knows what the caller said and when: for tests and `gyde bench turns`.

Why: turn-taking is tested on real speech, and a real recogniser is neither offline nor exact.
This one counts the audio it is sent (stream time, exactly as the media server sends it) and
releases each scripted word as an interim result once the audio up to its end has arrived (plus an
optional lag, as a real streaming STT has); `flush()` (the media server's end of turn) finalises the
words said so far. With `endpoint_ms` it also behaves like Deepgram's endpointing: after that much
audio with no new word it sends the words as a final marked `endpoint=True` (speech_final) - the
event that cuts callers off mid-number when trusted blindly.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.stt.base import QueuedTranscripts, Transcript
from bench.speech_corpus import Word

BYTES_PER_MS = 8  # 8 kHz mu-law


class ScriptedSTTSession(QueuedTranscripts):
    def __init__(self, words: Sequence[Word], lag_ms: int, endpoint_ms: int | None, name: str) -> None:
        super().__init__()
        self._words = sorted(words, key=lambda w: w.end)
        self._lag = lag_ms * BYTES_PER_MS
        self._endpoint = None if endpoint_ms is None else endpoint_ms * BYTES_PER_MS
        self._name = name
        self._position = 0  # samples received
        self._next = 0  # index of the next word to release
        self._open: list[str] = []  # released, not yet final
        self._last_word_at = 0
        self._endpoint_sent = True
        self.flushes = 0

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self._check_open()
        self._position += len(mulaw_8k)
        released = False
        while self._next < len(self._words) and self._words[self._next].end + self._lag <= self._position:
            self._open.append(self._words[self._next].text)
            self._next += 1
            released = True
        if released:
            self._last_word_at = self._position
            self._endpoint_sent = False
            self._emit(Transcript(" ".join(self._open), False, 0.9, self._name))
        elif (
            self._endpoint is not None
            and not self._endpoint_sent
            and self._position - self._last_word_at >= self._endpoint
        ):
            self._endpoint_sent = True
            self._final(endpoint=True)

    def _final(self, endpoint: bool = False) -> None:
        if self._open:
            self._emit(Transcript(" ".join(self._open), True, 0.9, self._name, endpoint=endpoint))
            self._open = []
        elif endpoint:
            self._emit(Transcript("", False, 0.0, self._name, endpoint=True))

    async def flush(self) -> None:
        self.flushes += 1
        self._final()

    async def drop_pending(self) -> None:
        self._final()  # as Deepgram's Finalize: the words come now, the session drops a backchannel


class ScriptedSTT:
    """STTProvider for one call whose words (and their ends, in samples) are known."""

    def __init__(
        self, words: Sequence[Word], lag_ms: int = 0, endpoint_ms: int | None = None, name: str = "scripted"
    ) -> None:
        self.name = name
        self._words = list(words)
        self._lag_ms = lag_ms
        self._endpoint_ms = endpoint_ms
        self.sessions: list[ScriptedSTTSession] = []

    async def open_session(self) -> ScriptedSTTSession:
        session = ScriptedSTTSession(self._words, self._lag_ms, self._endpoint_ms, self.name)
        self.sessions.append(session)
        return session
