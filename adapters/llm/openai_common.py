"""The AsyncOpenAI client as every OpenAI adapter (LLM, STT, TTS) builds it, and its error mapping.

Why shared: the three adapters must agree that the SDK's own retries are off (the fallback chain
decides what happens after a failure, within the call's latency budget) and that every SDK error
becomes a ProviderError with a short, content-free reason.
"""

from __future__ import annotations

import json

import openai

from conversation.llm.base import ProviderError


def make_openai_client(api_key: str, timeout_s: float, base_url: str | None = None) -> openai.AsyncOpenAI:
    """An SDK client with retries off and our timeout; `base_url` points it at a proxy or stub."""
    if not api_key:
        raise ValueError("an OpenAI API key is required (GYDE_OPENAI_API_KEY)")
    return openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0)


def openai_error(provider: str, exc: BaseException) -> ProviderError:
    """Map an SDK/transport/parse exception to ProviderError; 4xx other than 408/409/429 is not retryable."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(provider, "timeout")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(provider, "connection error")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 429:
            return ProviderError(provider, "rate limited (429)")
        if status >= 500:
            return ProviderError(provider, f"server error ({status})")
        return ProviderError(provider, f"request rejected ({status})", retryable=status in (408, 409))
    if isinstance(exc, openai.APIError):
        return ProviderError(provider, "api error in stream")
    if isinstance(exc, json.JSONDecodeError | ValueError | KeyError | TypeError | AttributeError):
        return ProviderError(provider, f"malformed response ({type(exc).__name__})")
    return ProviderError(provider, f"unexpected {type(exc).__name__}")
