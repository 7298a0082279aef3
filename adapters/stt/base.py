"""Streaming speech-to-text: 8 kHz mu-law in; interim words, final utterances and endpoints out.

Turn-taking (media_server/turn_taking.py) reads all three: interim words as they are recognised
(`is_final=False`, the provider's latest hypothesis for the words not yet final), final text, and
the provider's own end-of-utterance detection (`endpoint=True`: Deepgram's `speech_final` on a
final, or an `UtteranceEnd` with no text). Providers without interims or endpointing (a batch
transcription API, the simulator's codec) send finals only; turn-taking then relies on the VAD.

Optional on a session: `drop_pending()` - forget audio not yet transcribed (a backchannel Emma
talked through, which must not become words of the next turn).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from adapters.provider_error import ProviderError

__all__ = ["ProviderError"]  # with the Protocols below: the errors a provider raises


@dataclass(frozen=True)
class Transcript:
    text: str
    is_final: bool
    confidence: float = 1.0
    provider: str = ""
    endpoint: bool = False  # the provider's endpointing says the speaker stopped here


class STTSession(Protocol):
    async def send_audio(self, mulaw_8k: bytes) -> None: ...

    async def flush(self) -> None:
        """End of the caller's turn (our VAD said so): finalise what was heard."""
        ...

    def transcripts(self) -> AsyncIterator[Transcript]: ...

    async def close(self) -> None: ...


async def queued_transcripts(queue: asyncio.Queue[Any]) -> AsyncIterator[Transcript]:
    """A session's transcripts from its queue: until None (closed); a ProviderError put on the
    queue by the receiving task is raised here, in the reader, so the fallback chain sees it."""
    while True:
        item = await queue.get()
        if item is None:
            return
        if isinstance(item, ProviderError):
            raise item
        yield item


class QueuedTranscripts:
    """The transcript queue of an in-process session (the simulator's codec, the benchmark's
    scripted recogniser): `_emit` from `send_audio`/`flush`, `transcripts()` until `close()`."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Transcript | None] = asyncio.Queue()
        self._closed = False

    def _emit(self, transcript: Transcript) -> None:
        self._queue.put_nowait(transcript)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("STT session is closed")

    def transcripts(self) -> AsyncIterator[Transcript]:
        return queued_transcripts(self._queue)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)


class STTProvider(Protocol):
    name: str

    async def open_session(self) -> STTSession: ...
