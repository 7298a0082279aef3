"""The simulator against the real media server (local FSK STT/TTS, echo agent, no Temporal):
the callee's words go in-band through VAD, end-of-turn and STT, and Emma's come back as audio."""

from __future__ import annotations

import httpx

from api.app import create_app
from media_server.app import media_server
from media_server.server import MEDIA_PATH
from sim.personas import Persona, Reply
from sim.registry import number_for_persona
from tests.telephony.conftest import FakeGateway, make_settings
from tests.telephony.simkit import adapter_for, network_of, sim_app, wait_for
from tests.telephony.test_sim_e2e import REQUEST, LateTransport


async def test_a_call_through_api_sim_and_media_server() -> None:
    late = LateTransport()
    sim = sim_app(late, time_scale=0.02)
    network = network_of(sim)
    network.registry.personas["agreeable"] = Persona(
        name="agreeable",
        replies=(
            Reply(("hello",), "Hi Emma, I would like dental coverage."),
            Reply(("anything else",), "No, that's all. Thank you. {hangup}"),
        ),
    )
    async with media_server(make_settings(), temporal=False, agent="echo") as server:
        server.keep_reports = True
        async with server.serve("127.0.0.1", 0) as ws_server:
            port = next(iter(ws_server.sockets)).getsockname()[1]
            settings = make_settings(media_stream_url=f"ws://127.0.0.1:{port}{MEDIA_PATH}")
            gateway = FakeGateway()
            api = create_app(settings, gateway, adapter_for(sim))
            late.target = httpx.ASGITransport(app=api)
            try:
                sid = (await adapter_for(sim).place_call(REQUEST, number_for_persona("agreeable"))).call_sid
                call = network.calls[sid]
                await wait_for(lambda: call.done.is_set(), limit_s=40)
            finally:
                await network.aclose()
    assert call.transcript[:3] == [
        ("agent", "Hello, this is Emma."),
        ("callee", "Hi Emma, I would like dental coverage."),
        ("agent", "Thanks, I heard 7 words."),
    ]
    assert ("callee", "No, that's all. Thank you.") in call.transcript
    assert ("stream", "callee-hung-up") in call.log
    assert [e.given for e in gateway.of("consent")] == [True]
    [report] = server.completed
    assert report.call_sid == sid
