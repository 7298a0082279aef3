"""CircuitBreaker: opens after 5 consecutive failures, one half-open probe after 30 s."""

from __future__ import annotations

import pytest

from adapters.fallback import BreakerBoard, BreakerState, CircuitBreaker
from tests.providers.conftest import FakeClock


def test_opens_after_five_consecutive_failures_only(clock: FakeClock) -> None:
    breaker = CircuitBreaker("openai", clock=clock)
    for _ in range(4):
        assert breaker.allow()
        breaker.record_failure()
    breaker.record_success()  # a success resets the count: failures must be consecutive
    for _ in range(4):
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_half_open_probe_after_30_seconds_lets_exactly_one_request_through(clock: FakeClock) -> None:
    breaker = CircuitBreaker("openai", clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.advance(29.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow()
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # the probe is in flight
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()


def test_failed_probe_reopens_for_another_30_seconds(clock: FakeClock) -> None:
    breaker = CircuitBreaker("openai", clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_abandoned_probe_is_released(clock: FakeClock) -> None:
    breaker = CircuitBreaker("openai", clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    breaker.release()  # barge-in cancelled the probe: neither verdict
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()


def test_board_shares_one_breaker_per_name(clock: FakeClock) -> None:
    board = BreakerBoard(threshold=2, reset_after_s=10, clock=clock)
    assert board.get("a") is board.get("a")
    board.get("a").record_failure()
    board.get("a").record_failure()
    assert board.states() == {"a": "open"}


def test_bad_configuration_is_rejected() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("x", threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker("x", reset_after_s=-1)


def test_lazy_reexports_resolve() -> None:
    from adapters.fallback import LLMFallbackChain, STTFallback, TTSFallback
    from adapters.llm.fallback import LLMFallbackChain as Direct

    assert LLMFallbackChain is Direct
    assert STTFallback.__name__ == "STTFallback" and TTSFallback.__name__ == "TTSFallback"
