"""The one error every AI provider adapter (STT, LLM, TTS) raises for a failure the fallback
chain may route around; each port (adapters/<kind>/base.py) re-exports it."""

from __future__ import annotations


class ProviderError(Exception):
    """A provider failed (HTTP 429/5xx, timeout, malformed stream); the chain may fall back."""

    def __init__(self, provider: str, message: str, retryable: bool = True) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.retryable = retryable
