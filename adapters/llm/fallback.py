"""LLMFallbackChain: several LLM providers behind one, switching within the same turn.

Why: a live call cannot wait for a vendor incident to end. The chain tries providers in order,
skips those whose breaker is open, bounds every wait for the next event by `timeout_s`, and when a
provider fails it re-asks the next one with the same request in the same turn. Tool calls are held
back until the provider's TurnDone (the turn engine runs them only then anyway), so a failed
provider's calls are never executed twice. If the failure came after the provider had already
streamed text, the switch still happens but is reported (`on_switch` callback,
`last_turn.switched_after_output`, a warning) so the turn engine can drop its unspoken fragment.

Breakers are per process (share one BreakerBoard); `last_turn`, `last_provider` and `on_switch`
are per instance, so give each live call its own view with `for_call()`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from adapters.fallback import BreakerBoard, Clock
from adapters.llm.base import (
    LLMEvent,
    LLMProvider,
    LLMRequest,
    ProviderError,
    ToolCallEvent,
    TurnDone,
)
from observability import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """One provider's try at a turn; `error` is a short class/status description, never content."""

    provider: str
    error: str | None
    emitted_output: bool


@dataclass(frozen=True)
class SwitchEvent:
    """Told to `on_switch` just before the next provider's first event is yielded."""

    failed_provider: str
    next_provider: str
    after_output: bool
    error: str


@dataclass
class TurnReport:
    """What happened in the last turn: who served it and who failed first."""

    provider: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    skipped_open: list[str] = field(default_factory=list)

    @property
    def switched_after_output(self) -> bool:
        return any(a.error is not None and a.emitted_output for a in self.attempts)


class LLMFallbackChain:
    """Implements LLMProvider over an ordered list of providers with per-provider breakers."""

    name = "chain"

    def __init__(
        self,
        providers: Sequence[LLMProvider],
        timeout_s: float,
        *,
        breakers: BreakerBoard | None = None,
        clock: Clock = time.monotonic,
        on_switch: Callable[[SwitchEvent], None] | None = None,
    ) -> None:
        if not providers:
            raise ValueError("LLMFallbackChain needs at least one provider")
        names = [p.name for p in providers]
        if len(set(names)) != len(names):
            raise ValueError(f"provider names must be unique, got {names}")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.providers = tuple(providers)
        self.timeout_s = timeout_s
        self.breakers = breakers or BreakerBoard(clock=clock)
        self.on_switch = on_switch
        self.last_turn = TurnReport()

    def for_call(self, on_switch: Callable[[SwitchEvent], None] | None = None) -> LLMFallbackChain:
        """A view for one call: same providers and breakers, its own last_turn and switch callback."""
        return LLMFallbackChain(self.providers, self.timeout_s, breakers=self.breakers, on_switch=on_switch)

    @property
    def last_provider(self) -> str | None:
        """The provider that completed the most recent turn (None before the first one)."""
        return self.last_turn.provider

    async def stream(self, request: LLMRequest) -> AsyncIterator[LLMEvent]:
        report = TurnReport()
        self.last_turn = report
        pending_switch: tuple[str, bool, str] | None = None
        for provider in self.providers:
            breaker = self.breakers.get(provider.name)
            if not breaker.allow():
                report.skipped_open.append(provider.name)
                continue
            if pending_switch is not None:
                failed, after_output, error = pending_switch
                metrics.record_fallback("llm", failed)
                self._notify(SwitchEvent(failed, provider.name, after_output, error))
            emitted = False
            held: list[ToolCallEvent] = []
            guarded = self._guarded(provider, request)
            try:
                async for event in guarded:
                    if isinstance(event, ToolCallEvent):
                        held.append(event)
                        continue
                    if isinstance(event, TurnDone):
                        breaker.record_success()
                        report.attempts.append(Attempt(provider.name, None, emitted))
                        report.provider = provider.name
                        for call in held:
                            yield call
                        yield event
                        return
                    emitted = True
                    yield event
                raise ProviderError(provider.name, "stream ended without TurnDone")
            except ProviderError as exc:
                breaker.record_failure()
                error = _describe(exc)
                report.attempts.append(Attempt(provider.name, error, emitted))
                log.warning(
                    "llm provider failed",
                    extra={"provider": provider.name, "error": error, "after_output": emitted},
                )
                pending_switch = (provider.name, emitted, error)
            except BaseException:
                # Cancelled (barge-in) or the consumer closed the stream: not the provider's fault.
                breaker.release()
                raise
            finally:
                await guarded.aclose()
        tried = ", ".join(f"{a.provider}: {a.error}" for a in report.attempts) or "none"
        skipped = ", ".join(report.skipped_open) or "none"
        raise ProviderError(self.name, f"all providers failed (tried {tried}; breaker open: {skipped})")

    async def _guarded(self, provider: LLMProvider, request: LLMRequest) -> AsyncGenerator[LLMEvent, None]:
        """The provider's events, each awaited under the timeout; any failure becomes ProviderError."""
        events = provider.stream(request)
        try:
            while True:
                try:
                    async with asyncio.timeout(self.timeout_s):
                        event = await anext(events)
                except StopAsyncIteration:
                    return
                except TimeoutError as exc:
                    raise ProviderError(provider.name, f"no event within {self.timeout_s:g}s") from exc
                except ProviderError:
                    raise
                except Exception as exc:  # a provider bug must not end the call
                    raise ProviderError(provider.name, f"unexpected {type(exc).__name__}") from exc
                yield event
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:  # closing a broken stream may fail again; nothing to do
                    log.debug("closing a failed provider stream raised", exc_info=True)

    def _notify(self, event: SwitchEvent) -> None:
        if self.on_switch is None:
            return
        try:
            self.on_switch(event)
        except Exception:
            log.exception("on_switch callback failed")


def _describe(exc: ProviderError) -> str:
    """`provider: message` minus the provider prefix; ProviderError messages never carry content."""
    text = str(exc)
    prefix = f"{exc.provider}: "
    return text[len(prefix) :] if text.startswith(prefix) else text
