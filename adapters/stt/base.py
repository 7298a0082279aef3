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

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

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


class STTProvider(Protocol):
    name: str

    async def open_session(self) -> STTSession: ...
