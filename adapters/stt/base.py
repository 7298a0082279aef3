"""Streaming speech-to-text: 8 kHz mu-law in, final utterances out."""

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
