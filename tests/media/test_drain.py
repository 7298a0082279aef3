"""Shutdown drain and health endpoints of the real media server on 127.0.0.1: a draining server
refuses new streams with 503 and fails readiness, keeps its live call until that call ends, and
the orchestrator's probes and live-call gauge answer on the media port."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from adapters.local_speech.providers import LocalSTT, LocalTTS
from media_server import protocol
from media_server.agent import echo_agent_factory
from media_server.control import NullControl
from media_server.server import MediaServer, run_forever
from media_server.session import SessionServices
from media_server.session_store import MemorySessionStore
from stack.health import probe
from tests.media.helpers import CALL_SID, STREAM_SID, eventually, make_config, start_message


async def http_get(port: int, path: str) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = raw.decode().partition("\r\n\r\n")
    return int(head.split()[1]), body


def make_server(max_connections: int = 10) -> MediaServer:
    services = SessionServices(
        LocalSTT(), LocalTTS(), echo_agent_factory, lambda ctx: NullControl(), MemorySessionStore()
    )
    return MediaServer(make_config(), services, max_connections=max_connections)


@pytest.fixture
async def running():  # type: ignore[no-untyped-def]
    media = make_server()
    async with media.serve("127.0.0.1", 0) as ws_server:
        yield media, ws_server.sockets[0].getsockname()[1]


def metric(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in metrics:\n{body}")


async def test_health_endpoints_answer_plain_http(running):  # type: ignore[no-untyped-def]
    media, port = running
    assert await http_get(port, "/healthz") == (200, "ok\n")
    assert await http_get(port, "/readyz") == (200, "ready\n")
    status, body = await http_get(port, "/metrics")
    assert status == 200 and metric(body, "gyde_media_live_calls") == 0
    assert metric(body, "gyde_media_draining") == 0
    assert (await http_get(port, "/nothing"))[0] == 404
    assert media.admitted == 0  # probes never take a call slot
    assert await asyncio.to_thread(probe, f"http://127.0.0.1:{port}/readyz")


async def test_readiness_fails_at_capacity() -> None:
    media = make_server(max_connections=1)
    async with media.serve("127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/media") as ws:
            await ws.send(protocol.connected_message())
            await eventually(lambda: media.admitted == 1)
            assert (await http_get(port, "/readyz"))[0] == 503
        await eventually(lambda: media.admitted == 0)
        assert (await http_get(port, "/readyz"))[0] == 200


async def test_drain_refuses_new_streams_and_waits_for_the_live_call(running):  # type: ignore[no-untyped-def]
    media, port = running
    async with connect(f"ws://127.0.0.1:{port}/media") as live:
        await live.send(protocol.connected_message())
        await live.send(start_message())
        await eventually(lambda: media.active == 1)

        drain = asyncio.create_task(media.drain(within=30))
        await eventually(lambda: media.draining)
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"ws://127.0.0.1:{port}/media"):
                pass
        assert refused.value.response.status_code == 503
        assert await http_get(port, "/readyz") == (503, "draining\n")
        assert (await http_get(port, "/healthz"))[0] == 200  # alive: no restart mid-drain
        status, body = await http_get(port, "/metrics")
        assert metric(body, "gyde_media_live_calls") == 1 and metric(body, "gyde_media_draining") == 1
        assert 'gyde_media_refused_total{reason="draining"} 1' in body
        assert not drain.done()  # the live call holds the drain open

        await live.send(protocol.stop_message(STREAM_SID, CALL_SID))
        assert await asyncio.wait_for(drain, 10) == 0
    assert media.active == 0


async def test_drain_gives_up_after_its_timeout(running):  # type: ignore[no-untyped-def]
    media, port = running
    async with connect(f"ws://127.0.0.1:{port}/media") as live:
        await live.send(protocol.connected_message())
        await live.send(start_message())
        await eventually(lambda: media.active == 1)
        assert await media.drain(within=0.05) == 1  # still open: reported, the caller decides


async def test_run_forever_drains_after_stop() -> None:
    media = make_server()
    stop = asyncio.Event()
    server = asyncio.create_task(run_forever(media, "127.0.0.1", 0, stop, drain_seconds=30))
    await eventually(lambda: media.draining is False and server.done() is False)
    stop.set()
    await asyncio.wait_for(server, 10)  # nothing live: the drain ends at once
    assert media.draining
