"""The real websockets server on 127.0.0.1: routing, refusal, and one call end to end."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from adapters.local_speech import fsk_codec
from adapters.local_speech.providers import LocalSTT, LocalTTS
from media_server import protocol
from media_server.agent import echo_agent_factory
from media_server.control import NullControl
from media_server.server import MediaServer
from media_server.session import SessionServices
from media_server.session_store import MemorySessionStore
from tests.media.helpers import (
    CALL_SID,
    SILENCE,
    STREAM_SID,
    eventually,
    make_config,
    speech_frames,
    start_message,
)


@pytest.fixture
async def server():  # type: ignore[no-untyped-def]
    controls: list[NullControl] = []

    def control_factory(ctx):  # type: ignore[no-untyped-def]
        controls.append(NullControl())
        return controls[-1]

    services = SessionServices(
        LocalSTT(), LocalTTS(), echo_agent_factory, control_factory, MemorySessionStore()
    )
    media = MediaServer(make_config(), services)
    media.keep_reports = True
    async with media.serve("127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        yield media, f"ws://127.0.0.1:{port}", controls


async def test_other_paths_get_404(server):  # type: ignore[no-untyped-def]
    _, base, _ = server
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{base}/other"):
            pass
    assert info.value.response.status_code == 404


async def test_invalid_token_closes_with_policy_violation(server):  # type: ignore[no-untyped-def]
    media, base, controls = server
    async with connect(f"{base}/media") as ws:
        await ws.send(protocol.connected_message())
        await ws.send(start_message(token="v1.bad.token"))
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 2)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008
    assert controls == []


async def test_a_call_end_to_end_over_websockets(server):  # type: ignore[no-untyped-def]
    media, base, controls = server
    decoder = fsk_codec.FskDecoder()
    heard: list[str] = []
    async with connect(f"{base}/media?x=1", compression=None) as ws:
        await ws.send(protocol.connected_message())
        await ws.send(start_message())

        async def reader() -> None:
            async for raw in ws:
                event = protocol.parse_outbound(raw)
                if isinstance(event, protocol.OutMedia):
                    heard.extend(decoder.feed(event.payload))
                elif isinstance(event, protocol.OutMark):
                    await ws.send(protocol.inbound_mark_message(STREAM_SID, event.name))

        task = asyncio.create_task(reader())
        for _ in range(250):  # let the greeting finish: speaking over it would be a barge-in
            if heard:
                break
            await ws.send(protocol.inbound_media_message(STREAM_SID, 0, 0, 0, SILENCE))
            await asyncio.sleep(0.02)
        for _ in range(10):  # its last frames and mark
            await ws.send(protocol.inbound_media_message(STREAM_SID, 0, 0, 0, SILENCE))
            await asyncio.sleep(0.02)
        frames = speech_frames("yes it is me") + [SILENCE] * 15
        for frame in frames:
            await ws.send(protocol.inbound_media_message(STREAM_SID, 0, 0, 0, frame))
            await asyncio.sleep(0.005)
        await eventually(lambda: len(heard) >= 3)
        await ws.send(protocol.stop_message(STREAM_SID, CALL_SID))
        await asyncio.wait_for(task, 5)
    assert heard == ["Hello, this is Emma.", "Thanks, I heard 4 words.", "Anything else?"]
    await eventually(lambda: media.completed)
    report = media.completed[0]
    assert report.frames_in > len(frames) and report.reason.value == "stopped" and report.barge_ins == 0
    assert controls[0].events == ["end:dropped"]
