"""Live session state: in memory always; in a real Redis (GYDE_TEST_REDIS_URL, or a throwaway
redis-server started here when the binary exists)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from media_server.session_store import (
    KEY_PREFIX,
    LiveSession,
    MemorySessionStore,
    RedisSessionStore,
    SessionStore,
    TurnRecord,
    build_session_store,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("GYDE_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("set GYDE_TEST_REDIS_URL or install redis-server: the Redis store must be tested")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/15"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SessionStore]:
    if request.param == "memory":
        s: SessionStore = MemorySessionStore(ttl_seconds=60)
    else:
        s = RedisSessionStore(request.getfixturevalue("redis_url"), ttl_seconds=60)
    yield s
    await s.close()


def _session(call_sid: str) -> LiveSession:
    return LiveSession(
        call_sid=call_sid,
        workflow_id="outreach:c:k",
        stream_sid="MZ1",
        stage="verify",
        turns=[TurnRecord(index=1, stt_provider="local", tts_providers=["local"], added_latency_ms=1.5)],
    )


async def test_put_get_delete(store: SessionStore):
    sid = f"CA{time.monotonic_ns()}"
    live = _session(sid)
    await store.put(live)
    got = await store.get(sid)
    assert got == live
    assert got is not None and got.turns[0].tts_providers == ["local"] and got.stage == "verify"
    await store.delete(sid)
    assert await store.get(sid) is None


async def test_unknown_call_is_none(store: SessionStore):
    assert await store.get("CAnope") is None


async def test_redis_entries_carry_a_ttl(redis_url: str):
    import redis.asyncio as redis_asyncio

    store = RedisSessionStore(redis_url, ttl_seconds=90)
    await store.put(_session("CAttl"))
    client = redis_asyncio.from_url(redis_url)
    ttl = await client.ttl(KEY_PREFIX + "CAttl")
    await client.aclose()
    await store.close()
    assert 0 < ttl <= 90


async def test_memory_entries_expire():
    store = MemorySessionStore(ttl_seconds=0)
    await store.put(_session("CAx"))
    await asyncio.sleep(0)
    assert await store.get("CAx") is None


def test_build_picks_redis_only_when_configured(redis_url: str):
    assert isinstance(build_session_store(None, 60), MemorySessionStore)
    assert isinstance(build_session_store(redis_url, 60), RedisSessionStore)
