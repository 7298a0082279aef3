"""Provider fallback: per-provider circuit breakers, shared by the LLM, STT and TTS fallback wrappers.

The wrappers live next to their kind (adapters/llm/fallback.py, adapters/stt/fallback.py,
adapters/tts/fallback.py) and are re-exported here, so `from adapters.fallback import
LLMFallbackChain, STTFallback, TTSFallback` works.

Why breakers: a dead vendor must not add its timeout to every turn of every live call. After `threshold`
consecutive failures the breaker opens and the provider is skipped; after `reset_after_s` one
request is let through as a probe (half-open): success closes the breaker, failure re-opens it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from observability import metrics

if TYPE_CHECKING:
    from adapters.llm.fallback import LLMFallbackChain
    from adapters.stt.fallback import STTFallback
    from adapters.tts.fallback import TTSFallback

__all__ = [
    "BreakerBoard",
    "BreakerState",
    "CircuitBreaker",
    "LLMFallbackChain",
    "STTFallback",
    "TTSFallback",
]

Clock = Callable[[], float]

FAILURE_THRESHOLD = 5
RESET_AFTER_S = 30.0


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Consecutive-failure breaker with an injectable monotonic clock (tests skip time)."""

    def __init__(
        self,
        name: str,
        threshold: int = FAILURE_THRESHOLD,
        reset_after_s: float = RESET_AFTER_S,
        clock: Clock = time.monotonic,
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        if reset_after_s < 0:
            raise ValueError("reset_after_s must not be negative")
        self.name = name
        self.threshold = threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self) -> bool:
        """May a request go to this provider now? Claims the single half-open probe if it is due."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN:
            if self._clock() - self._opened_at < self.reset_after_s:
                return False
            self._state = BreakerState.HALF_OPEN
            self._probe_in_flight = True
            return True
        if self._probe_in_flight:
            return False
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._probe_in_flight = False

    def record_failure(self) -> None:
        metrics.record_provider_error(self.name)
        self._failures += 1
        self._probe_in_flight = False
        if self._state is BreakerState.HALF_OPEN or self._failures >= self.threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()

    def release(self) -> None:
        """The request was abandoned (barge-in cancelled it): neither success nor failure."""
        self._probe_in_flight = False


class BreakerBoard:
    """One breaker per provider name, shared by every call in the process."""

    def __init__(
        self,
        threshold: int = FAILURE_THRESHOLD,
        reset_after_s: float = RESET_AFTER_S,
        clock: Clock = time.monotonic,
    ) -> None:
        self._threshold = threshold
        self._reset_after_s = reset_after_s
        self._clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, name: str) -> CircuitBreaker:
        breaker = self._breakers.get(name)
        if breaker is None:
            breaker = CircuitBreaker(name, self._threshold, self._reset_after_s, self._clock)
            self._breakers[name] = breaker
        return breaker

    def states(self) -> dict[str, str]:
        """For status endpoints and logs: provider name -> breaker state."""
        return {name: breaker.state.value for name, breaker in self._breakers.items()}


_LAZY = {
    "LLMFallbackChain": "adapters.llm.fallback",
    "STTFallback": "adapters.stt.fallback",
    "TTSFallback": "adapters.tts.fallback",
}


def __getattr__(name: str) -> Any:
    """Lazy re-exports: the wrappers import this module, so importing them eagerly would be circular."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
