"""One error mapping for both vendor SDKs: openai and anthropic are generated from the same
template and raise the same exception family (APITimeoutError, APIStatusError, ...)."""

from __future__ import annotations

import json
from types import ModuleType

from adapters.llm.base import ProviderError


def sdk_error(provider: str, exc: BaseException, sdk: ModuleType) -> ProviderError:
    """SDK/transport/parse exception -> ProviderError with a short, content-free reason;
    4xx other than 408/409/429 is not retryable."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, sdk.APITimeoutError):
        return ProviderError(provider, "timeout")
    if isinstance(exc, sdk.APIConnectionError):
        return ProviderError(provider, "connection error")
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        if status == 429:
            return ProviderError(provider, "rate limited (429)")
        if status >= 500:
            return ProviderError(provider, f"server error ({status})")
        return ProviderError(provider, f"request rejected ({status})", retryable=status in (408, 409))
    if isinstance(exc, sdk.APIError):
        return ProviderError(provider, "api error in stream")
    if isinstance(exc, json.JSONDecodeError | ValueError | KeyError | TypeError | AttributeError):
        return ProviderError(provider, f"malformed response ({type(exc).__name__})")
    return ProviderError(provider, f"unexpected {type(exc).__name__}")
