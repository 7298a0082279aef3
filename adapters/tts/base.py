"""Streaming text-to-speech: one sentence in, 8 kHz mu-law chunks out (no resampling)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from adapters.provider_error import ProviderError

__all__ = ["ProviderError"]  # with the Protocols below: the errors a provider raises


class TTSProvider(Protocol):
    name: str

    def synthesize(self, text: str) -> AsyncIterator[bytes]:
        """Yield mu-law 8 kHz audio for `text` as it is produced; raise on provider failure."""
        ...
