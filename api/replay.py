"""Twilio retries webhooks, and an attacker may replay a captured one. Three layers, all keyed
so a repeat causes nothing new:

- `ReplayCache`: a request whose signed content (URL + sorted, de-duplicated parameters, what
  X-Twilio-Signature covers) was already seen inside the window gets the first response again.
- A business-key `OnceCache` per webhook kind (consent, recording start, transfer result per
  call): a differently signed second delivery for the same call returns the first response.
- `EventDeduper`: status callbacks by CallSid+CallStatus+SequenceNumber; signals sent at most
  once, forgotten again when sending failed so Twilio's retry is processed.

In-memory (one api process). A second api replica would not see the first one's entries; the
media server's one-use stream tokens (Redis-backed) still stop a second stream for a call.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Response

T = TypeVar("T")


class OnceCache(Generic[T]):
    """Key -> the value first produced for it within the window; concurrent callers of one key
    wait for that value. A failed producer stores nothing, so the next call runs again."""

    def __init__(self, window_seconds: float = 600.0, max_entries: int = 50_000) -> None:
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, asyncio.Future[T]]] = OrderedDict()
        self.repeats = 0

    def _evict(self, now: float) -> None:
        while self._entries:
            key, (seen_at, _) = next(iter(self._entries.items()))
            if now - seen_at <= self.window_seconds and len(self._entries) <= self.max_entries:
                break
            del self._entries[key]

    def seen(self, key: str) -> bool:
        self._evict(time.monotonic())
        return key in self._entries

    async def once(self, key: str, produce: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        self._evict(now)
        entry = self._entries.get(key)
        if entry is not None:
            self.repeats += 1
            return await asyncio.shield(entry[1])
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now, future)
        try:
            value = await produce()
        except BaseException as exc:
            self._entries.pop(key, None)
            future.set_exception(exc)
            future.exception()  # mark retrieved; waiting duplicates re-raise it
            raise
        future.set_result(value)
        return value


@dataclass(frozen=True)
class _Stored:
    body: bytes
    status_code: int
    media_type: str | None


class ReplayCache:
    """Key -> the response first produced for it; concurrent duplicates wait for that response."""

    def __init__(self, window_seconds: float = 600.0, max_entries: int = 50_000) -> None:
        self._once: OnceCache[_Stored] = OnceCache(window_seconds, max_entries)

    @property
    def replays(self) -> int:
        return self._once.repeats

    def seen(self, key: str) -> bool:
        return self._once.seen(key)

    async def once(self, key: str, handler: Callable[[], Awaitable[Response]]) -> Response:
        async def produce() -> _Stored:
            response = await handler()
            return _Stored(bytes(response.body), response.status_code, response.media_type)

        stored = await self._once.once(key, produce)
        return Response(stored.body, status_code=stored.status_code, media_type=stored.media_type)


class EventDeduper:
    """Remembers business keys (CallSid+CallStatus+SequenceNumber) so a status Twilio delivers
    twice under a different signature still produces one signal."""

    def __init__(self, window_seconds: float = 3600.0, max_entries: int = 200_000) -> None:
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at <= self.window_seconds and len(self._seen) < self.max_entries:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def forget(self, key: str) -> None:
        """Undo `first_time` when signalling failed, so Twilio's retry is processed."""
        self._seen.pop(key, None)


@dataclass
class CallOnce:
    """The per-call business keys: the first decision's response, and the recording a call
    started (its sid, or None when starting failed)."""

    responses: ReplayCache
    recordings: OnceCache[str | None]

    @classmethod
    def create(cls, window_seconds: float = 6 * 3600.0) -> CallOnce:
        """A window longer than any call, so a late re-delivery still finds the decision."""
        return cls(ReplayCache(window_seconds, 200_000), OnceCache(window_seconds, 200_000))
