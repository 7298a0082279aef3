"""A stream token opens one media stream, and a call has one stream: a second `start` with the same
token, or for the same call with any token (a replayed consent mints a fresh one), is refused by
the media server before any agent or audio exists. The used-token record works in memory and in
Redis, and outlives the token."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from media_server import protocol
from media_server.session import EndReason
from media_server.session_store import MemorySessionStore, RedisSessionStore, SessionStore
from security.stream_token import mint, token_id
from tests.media.helpers import CALL_SID, SECRET, STREAM_SID, WORKFLOW_ID, start_message, start_session


def _redis_url() -> str | None:
    url = os.environ.get("GYDE_TEST_REDIS_URL")
    if not url and os.environ.get("GYDE_REQUIRE_SERVICES") == "1":
        pytest.fail("GYDE_TEST_REDIS_URL must be set when GYDE_REQUIRE_SERVICES=1")
    return url


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SessionStore]:
    if request.param == "memory":
        s: SessionStore = MemorySessionStore(ttl_seconds=600)
    else:
        url = _redis_url()
        if not url:
            pytest.skip("Redis variant runs when GYDE_TEST_REDIS_URL is set (CI sets it)")
        s = RedisSessionStore(url, ttl_seconds=600)
    yield s
    await s.close()


def _sid(n: int) -> str:
    return f"CA{time.time_ns() % 10**20:020d}{n:012d}"


async def _run(store: SessionStore, message: str) -> tuple[EndReason | None, str, int]:
    """One stream that sends `connected` + `message`, then `stop`; (end reason, detail, agents)."""
    h = await start_session(store=store)
    await h.send(protocol.connected_message())
    await h.send(message)
    await asyncio.sleep(0.05)
    await h.send(protocol.stop_message(STREAM_SID, "CA"))
    report = await asyncio.wait_for(h.task, 5)
    return report.reason, report.detail, len(h.agents)


async def test_claims_are_first_come_and_expire(store: SessionStore) -> None:
    key = f"test:{_sid(0)}"
    assert await store.claim(key, ttl_seconds=1) is True
    assert await store.claim(key, ttl_seconds=1) is False
    await asyncio.sleep(1.2)
    assert await store.claim(key, ttl_seconds=1) is True


async def test_concurrent_claims_have_one_winner(store: SessionStore) -> None:
    key = f"test:{_sid(1)}"
    results = await asyncio.gather(*(store.claim(key, ttl_seconds=30) for _ in range(20)))
    assert results.count(True) == 1


async def test_a_token_opens_one_stream(store: SessionStore) -> None:
    call = _sid(2)
    token = mint(SECRET, WORKFLOW_ID, call)
    first = await _run(store, start_message(token=token, call_sid=call))
    again = await _run(store, start_message(token=token, call_sid=call))
    assert first[0] is EndReason.STOPPED and first[2] == 1
    assert again[0] is EndReason.UNAUTHORIZED and "already used" in again[1] and again[2] == 0


async def test_a_call_gets_one_stream_even_with_a_fresh_token(store: SessionStore) -> None:
    """What a replayed consent webhook would produce: a new, valid token for the same call."""
    call = _sid(3)
    first = await _run(store, start_message(token=mint(SECRET, WORKFLOW_ID, call), call_sid=call))
    fresh = mint(SECRET, WORKFLOW_ID, call)
    again = await _run(store, start_message(token=fresh, call_sid=call))
    assert first[0] is EndReason.STOPPED
    assert again[0] is EndReason.UNAUTHORIZED and "already has a stream" in again[1] and again[2] == 0


async def test_an_any_call_token_still_opens_only_one_stream(store: SessionStore) -> None:
    token = mint(SECRET, WORKFLOW_ID, "")  # `gyde media token` without --call-sid
    first = await _run(store, start_message(token=token, call_sid=_sid(4)))
    other_call = await _run(store, start_message(token=token, call_sid=_sid(5)))
    assert first[0] is EndReason.STOPPED
    assert other_call[0] is EndReason.UNAUTHORIZED and "already used" in other_call[1]


async def test_separate_calls_each_get_their_stream(store: SessionStore) -> None:
    for n in (6, 7):
        call = _sid(n)
        reason, _, agents = await _run(
            store, start_message(token=mint(SECRET, WORKFLOW_ID, call), call_sid=call)
        )
        assert (reason, agents) == (EndReason.STOPPED, 1)


def test_tokens_are_unique_per_mint() -> None:
    """Two consents in one second must not produce one token (a token is one stream)."""
    tokens = {mint(SECRET, WORKFLOW_ID, CALL_SID, now=1_000.0) for _ in range(50)}
    assert len(tokens) == 50
    assert len({token_id(t) for t in tokens}) == 50


async def test_the_used_token_record_outlives_the_token() -> None:
    url = _redis_url()
    if not url:
        pytest.skip("needs GYDE_TEST_REDIS_URL")
    import redis.asyncio as redis_asyncio

    store = RedisSessionStore(url, ttl_seconds=60)
    call = _sid(8)
    token = mint(SECRET, WORKFLOW_ID, call, ttl_seconds=300)
    await _run(store, start_message(token=token, call_sid=call))
    client = redis_asyncio.from_url(url)
    try:
        token_ttl = await client.ttl(f"gyde:media:used:token:{token_id(token)}")
        call_ttl = await client.ttl(f"gyde:media:used:call:{call}")
    finally:
        await client.aclose()
        await store.close()
    assert token_ttl >= 299 and call_ttl >= 299  # >= the token's own life, though the store's TTL is 60


async def test_memory_record_outlives_the_token_too() -> None:
    store = MemorySessionStore(ttl_seconds=60)
    call = _sid(9)
    token = mint(SECRET, WORKFLOW_ID, call, ttl_seconds=300)
    await _run(store, start_message(token=token, call_sid=call))
    assert store.claim_expiry(f"gyde:media:used:token:{token_id(token)}") >= time.monotonic() + 299


class BrokenStore(MemorySessionStore):
    async def claim(self, key: str, ttl_seconds: int) -> bool:
        raise ConnectionError("redis down")


async def test_an_unreachable_store_refuses_the_stream() -> None:
    """Fail closed: without the used-token record a replay could not be told apart."""
    call = _sid(10)
    reason, detail, agents = await _run(
        BrokenStore(), start_message(token=mint(SECRET, WORKFLOW_ID, call), call_sid=call)
    )
    assert reason is EndReason.INTERNAL_ERROR and "session store" in detail and agents == 0
