"""TTSFallback: several TTS providers behind one, decided per sentence.

Breakers are per process; `last_provider` is per instance, so each call takes a `for_call()` view.

Why: speech is synthesised sentence by sentence, so each sentence is a natural unit to retry on
the next provider. A provider that fails before any audio costs only its (bounded) wait; one that
fails mid-sentence is reported and the whole sentence is spoken again by the next provider, since
half a sentence is worse than a repeated start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence

from adapters.fallback import BreakerBoard, Clock
from adapters.tts.base import ProviderError, TTSProvider
from observability import metrics

log = logging.getLogger(__name__)


class TTSFallback:
    """Implements TTSProvider; `last_provider` names who spoke the most recent sentence."""

    name = "tts-chain"

    def __init__(
        self,
        providers: Sequence[TTSProvider],
        timeout_s: float,
        *,
        breakers: BreakerBoard | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        if not providers:
            raise ValueError("TTSFallback needs at least one provider")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.providers = tuple(providers)
        self.timeout_s = timeout_s
        self.breakers = breakers or BreakerBoard(clock=clock)
        self.last_provider: str | None = None
        self.last_switched_mid_sentence = False

    def for_call(self) -> TTSFallback:
        """A view for one call: same providers and breakers, its own last_provider."""
        return TTSFallback(self.providers, self.timeout_s, breakers=self.breakers)

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        self.last_switched_mid_sentence = False
        errors: list[str] = []
        for provider in self.providers:
            breaker = self.breakers.get(provider.name)
            if not breaker.allow():
                errors.append(f"{provider.name}: breaker open")
                continue
            emitted = False
            chunks = provider.synthesize(text)
            try:
                while True:
                    try:
                        async with asyncio.timeout(self.timeout_s):
                            chunk = await anext(chunks)
                    except StopAsyncIteration:
                        break
                    if chunk:
                        emitted = True
                        yield chunk
                if not emitted:
                    raise ProviderError(provider.name, "no audio")
                breaker.record_success()
                self.last_provider = provider.name
                return
            except Exception as exc:  # ProviderError, our timeout, or a provider bug
                breaker.record_failure()
                reason = _reason(provider.name, exc, self.timeout_s)
                errors.append(f"{provider.name}: {reason}")
                self.last_switched_mid_sentence = self.last_switched_mid_sentence or emitted
                metrics.record_fallback("tts", provider.name)
                log.warning(
                    "tts provider failed",
                    extra={"provider": provider.name, "error": reason, "mid_sentence": emitted},
                )
            except BaseException:
                breaker.release()
                raise
            finally:
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    try:
                        await aclose()
                    except Exception:
                        log.debug("closing a failed tts stream raised", exc_info=True)
        raise ProviderError(self.name, "all providers failed (" + "; ".join(errors) + ")")


def _reason(provider: str, exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, ProviderError):
        text = str(exc)
        return text.removeprefix(f"{exc.provider}: ")
    if isinstance(exc, TimeoutError):
        return f"no audio within {timeout_s:g}s"
    return f"unexpected {type(exc).__name__}"
