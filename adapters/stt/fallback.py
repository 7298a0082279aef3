"""STTFallback: several STT providers behind one session that survives a provider dying mid-call.

Why: a Deepgram socket can drop in the middle of a call. The wrapper session keeps the audio of the
caller's current (and not yet finalised) utterance; when the inner session fails (send, flush, or
its transcript stream errors or ends early) it opens a session on the next provider whose breaker
allows it, replays that audio, and keeps yielding transcripts on the same iterator, so the call
goes on and the utterance in progress is not lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence

from adapters.fallback import BreakerBoard, Clock
from adapters.stt.base import ProviderError, STTProvider, STTSession, Transcript, queued_transcripts
from observability import metrics

log = logging.getLogger(__name__)

REPLAY_LIMIT_BYTES = 30 * 8000  # 30 s of 8 kHz mu-law: more than any one caller turn


class STTFallback:
    """Implements STTProvider; each session fails over independently, breakers are shared."""

    name = "stt-chain"

    def __init__(
        self,
        providers: Sequence[STTProvider],
        timeout_s: float,
        *,
        breakers: BreakerBoard | None = None,
        clock: Clock = time.monotonic,
        replay_limit_bytes: int = REPLAY_LIMIT_BYTES,
    ) -> None:
        if not providers:
            raise ValueError("STTFallback needs at least one provider")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.providers = tuple(providers)
        self.timeout_s = timeout_s
        self.breakers = breakers or BreakerBoard(clock=clock)
        self.replay_limit_bytes = replay_limit_bytes
        self.last_provider: str | None = None

    async def open_session(self) -> FallbackSTTSession:
        session = FallbackSTTSession(self)
        await session.start()
        return session


class FallbackSTTSession:
    """Implements STTSession; `provider` is the one currently listening, `switches` counts failovers."""

    def __init__(self, owner: STTFallback) -> None:
        self._owner = owner
        self._out: asyncio.Queue[Transcript | ProviderError | None] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._inner: STTSession | None = None
        self._index = -1
        self._gen = 0
        self._pump_task: asyncio.Task[None] | None = None
        self._proven = False
        self._current = bytearray()  # audio of the utterance being spoken
        self._pending = bytearray()  # audio flushed but whose final transcript has not come yet
        self._flush_pending = False
        self._closed = False
        self._failed: ProviderError | None = None
        self.provider: str | None = None
        self.switches = 0

    async def start(self) -> None:
        async with self._lock:
            await self._open_from(0)

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self._raise_if_unusable()
        _append_capped(self._current, mulaw_8k, self._owner.replay_limit_bytes)
        inner, gen = self._inner, self._gen
        assert inner is not None
        try:
            await inner.send_audio(mulaw_8k)
        except Exception as exc:
            await self._failover(gen, exc)

    async def flush(self) -> None:
        self._raise_if_unusable()
        # Only the latest flushed utterance is kept for replay: an older one whose final never came
        # (silence, a click) must not be transcribed again after a switch.
        self._pending, self._current = self._current, bytearray()
        self._flush_pending = bool(self._pending)
        inner, gen = self._inner, self._gen
        assert inner is not None
        try:
            async with asyncio.timeout(self._owner.timeout_s):
                await inner.flush()
        except Exception as exc:
            await self._failover(gen, exc)

    async def drop_pending(self) -> None:
        """A backchannel: its audio is neither replayed after a switch nor kept by the provider."""
        self._raise_if_unusable()
        self._current.clear()
        inner, gen = self._inner, self._gen
        drop = getattr(inner, "drop_pending", None)
        if drop is None:
            return
        try:
            async with asyncio.timeout(self._owner.timeout_s):
                await drop()
        except Exception as exc:
            await self._failover(gen, exc)

    def transcripts(self) -> AsyncIterator[Transcript]:
        return queued_transcripts(self._out)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        async with self._lock:
            self._gen += 1
            await self._drop_inner(release=not self._proven)
        self._out.put_nowait(None)

    # -- internals ------------------------------------------------------------------------------

    def _raise_if_unusable(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise RuntimeError("STT session is closed")

    async def _pump(self, gen: int, inner: STTSession, name: str) -> None:
        """Forward one inner session's transcripts; its failure or early end triggers failover."""
        try:
            async for transcript in inner.transcripts():
                if gen != self._gen:
                    return
                if not self._proven:
                    self._proven = True
                    self._owner.breakers.get(name).record_success()
                if transcript.is_final:
                    # Everything heard so far is transcribed, including audio not yet flushed
                    # (providers endpoint on their own): none of it may be replayed after a switch.
                    self._pending.clear()
                    self._current.clear()
                    self._flush_pending = False
                self._owner.last_provider = name
                self._out.put_nowait(transcript)
            if gen == self._gen and not self._closed:
                raise ProviderError(name, "transcript stream ended")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failover(gen, exc)

    async def _failover(self, gen: int, exc: BaseException) -> None:
        async with self._lock:
            if gen != self._gen or self._closed:
                return  # someone already switched (or we are closing)
            name = self.provider or "?"
            self._owner.breakers.get(name).record_failure()
            log.warning("stt provider failed mid-session", extra={"provider": name, "error": _reason(exc)})
            self._gen += 1
            await self._drop_inner(release=False)
            self.switches += 1
            metrics.record_fallback("stt", name)
            try:
                await self._open_from(self._index + 1)
            except ProviderError as final:
                self._failed = final
                self._out.put_nowait(final)

    async def _drop_inner(self, release: bool) -> None:
        inner, task = self._inner, self._pump_task
        self._inner, self._pump_task = None, None
        if release and self.provider is not None:
            self._owner.breakers.get(self.provider).release()
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if inner is not None:
            try:
                async with asyncio.timeout(self._owner.timeout_s):
                    await inner.close()
            except Exception:
                log.debug("closing a failed stt session raised", exc_info=True)

    async def _open_from(self, start: int) -> None:
        """Open the first allowed provider from `start` on and replay the unfinished audio into it."""
        errors: list[str] = []
        providers = self._owner.providers
        for index in range(start, len(providers)):
            provider = providers[index]
            breaker = self._owner.breakers.get(provider.name)
            if not breaker.allow():
                errors.append(f"{provider.name}: breaker open")
                continue
            inner: STTSession | None = None
            try:
                async with asyncio.timeout(self._owner.timeout_s):
                    inner = await provider.open_session()
                self._inner, self._index, self.provider, self._proven = inner, index, provider.name, False
                self._pump_task = asyncio.create_task(self._pump(self._gen, inner, provider.name))
                async with asyncio.timeout(self._owner.timeout_s):
                    if self._pending:
                        await inner.send_audio(bytes(self._pending))
                    if self._flush_pending:
                        await inner.flush()
                    if self._current:
                        await inner.send_audio(bytes(self._current))
                return
            except Exception as exc:
                breaker.record_failure()
                errors.append(f"{provider.name}: {_reason(exc)}")
                self._gen += 1
                if inner is not None:
                    await self._drop_inner(release=False)
        raise ProviderError(self._owner.name, "no STT provider available (" + "; ".join(errors) + ")")


def _append_capped(buffer: bytearray, data: bytes, limit: int) -> None:
    buffer.extend(data)
    if len(buffer) > limit:
        del buffer[: len(buffer) - limit]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ProviderError):
        return str(exc).removeprefix(f"{exc.provider}: ")
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__
