"""Twilio retries webhooks, and an attacker may replay a captured one: a request whose signature
and body were already seen inside the window gets the first response again and causes nothing
new. In-memory (one api process); a multi-instance deployment would back it with redis."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Response


@dataclass(frozen=True)
class _Stored:
    body: bytes
    status_code: int
    media_type: str | None


class ReplayCache:
    """Key -> the response first produced for it; concurrent duplicates wait for that response."""

    def __init__(self, window_seconds: float = 600.0, max_entries: int = 50_000) -> None:
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, asyncio.Future[_Stored]]] = OrderedDict()
        self.replays = 0

    def _evict(self, now: float) -> None:
        while self._entries:
            key, (seen_at, _) = next(iter(self._entries.items()))
            if now - seen_at <= self.window_seconds and len(self._entries) <= self.max_entries:
                break
            del self._entries[key]

    def seen(self, key: str) -> bool:
        self._evict(time.monotonic())
        return key in self._entries

    async def once(self, key: str, handler: Callable[[], Awaitable[Response]]) -> Response:
        now = time.monotonic()
        self._evict(now)
        entry = self._entries.get(key)
        if entry is not None:
            self.replays += 1
            stored = await asyncio.shield(entry[1])
            return Response(stored.body, status_code=stored.status_code, media_type=stored.media_type)
        future: asyncio.Future[_Stored] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now, future)
        try:
            response = await handler()
        except BaseException as exc:
            # Failed handling is not "seen": Twilio's retry must be processed for real.
            self._entries.pop(key, None)
            future.set_exception(exc)
            future.exception()  # mark retrieved; waiting duplicates re-raise it
            raise
        body = bytes(response.body)
        future.set_result(_Stored(body, response.status_code, response.media_type))
        return response


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
