"""The media server bounds what an unauthenticated peer can cost it: connections over the cap are
refused at the handshake with 503, and before `start` only a few small messages are read."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from adapters.local_speech.providers import LocalSTT, LocalTTS
from media_server import protocol
from media_server.agent import echo_agent_factory
from media_server.control import NullControl
from media_server.server import MediaServer
from media_server.session import EndReason, SessionServices
from media_server.session_store import MemorySessionStore
from media_server.start_guard import MAX_PRE_START_BYTES, MAX_PRE_START_MESSAGES
from settings import Settings
from tests.media.helpers import eventually, make_config, start_message, start_session


def _server(max_connections: int) -> MediaServer:
    services = SessionServices(
        LocalSTT(), LocalTTS(), echo_agent_factory, lambda ctx: NullControl(), MemorySessionStore()
    )
    return MediaServer(make_config(start_timeout_s=5.0), services, max_connections=max_connections)


async def test_connections_over_the_cap_get_503_at_the_handshake() -> None:
    media = _server(max_connections=2)
    async with media.serve("127.0.0.1", 0) as ws_server:
        url = f"ws://127.0.0.1:{ws_server.sockets[0].getsockname()[1]}/media"
        first = await connect(url)
        second = await connect(url)
        await eventually(lambda: media.active == 2)
        with pytest.raises(InvalidStatus) as refused:
            await connect(url)
        assert refused.value.response.status_code == 503
        await first.close()
        await eventually(lambda: media.active == 1)
        third = await connect(url)  # room again
        await third.close()
        await second.close()


async def test_pending_handshakes_count_toward_the_cap() -> None:
    media = _server(max_connections=3)
    async with media.serve("127.0.0.1", 0) as ws_server:
        url = f"ws://127.0.0.1:{ws_server.sockets[0].getsockname()[1]}/media"
        results = await asyncio.gather(*(connect(url) for _ in range(8)), return_exceptions=True)
        opened = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, InvalidStatus)]
        assert len(opened) == 3 and len(refused) == 5
        assert {r.response.status_code for r in refused} == {503}
        for ws in opened:
            await ws.close()


async def test_too_many_messages_before_start_are_refused() -> None:
    h = await start_session(config=make_config(start_timeout_s=5.0))
    for _ in range(MAX_PRE_START_MESSAGES):
        await h.send(protocol.connected_message())
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.PROTOCOL_ERROR and "before start" in report.detail
    assert h.agents == []


async def test_a_large_message_before_start_is_refused() -> None:
    h = await start_session()
    await h.send(protocol.connected_message())
    padded = json.loads(start_message())
    padded["start"]["customParameters"]["padding"] = "x" * MAX_PRE_START_BYTES
    await h.send(json.dumps(padded))
    report = await asyncio.wait_for(h.task, 2)
    assert report.reason is EndReason.PROTOCOL_ERROR and "too large" in report.detail
    assert h.agents == []


async def test_twilio_shape_still_starts() -> None:
    h = await start_session()
    await h.send(protocol.connected_message())
    await h.send(start_message())
    await eventually(lambda: h.agents)
    await h.send(None)
    report = await asyncio.wait_for(h.task, 5)
    assert report.reason is EndReason.DISCONNECTED or report.reason is EndReason.STOPPED


def test_the_cap_is_a_setting() -> None:
    assert Settings(_env_file=None).media_max_connections >= 400  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, media_max_connections=0)  # type: ignore[call-arg]
