"""The AsyncOpenAI client as every OpenAI adapter (LLM, STT, TTS) builds it, and its error mapping.

Why shared: the three adapters must agree that the SDK's own retries are off (the fallback chain
decides what happens after a failure, within the call's latency budget) and that every SDK error
becomes a ProviderError with a short, content-free reason.
"""

from __future__ import annotations

import openai

from adapters.llm.base import ProviderError
from adapters.llm.sdk_errors import sdk_error


def make_openai_client(api_key: str, timeout_s: float, base_url: str | None = None) -> openai.AsyncOpenAI:
    """An SDK client with retries off and our timeout; `base_url` points it at a proxy or stub."""
    if not api_key:
        raise ValueError("an OpenAI API key is required (GYDE_OPENAI_API_KEY)")
    return openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0)


def openai_error(provider: str, exc: BaseException) -> ProviderError:
    return sdk_error(provider, exc, openai)
