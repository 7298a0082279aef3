"""The simulator runs whole calls against the real api app in-process: REST via the twilio SDK,
signed webhooks and TwiML, AMD, recordings, <Connect><Stream> to a scripted media server over a
real WebSocket (FSK speech both ways), warm transfer with whisper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio
from fastapi import FastAPI

from adapters.telephony.twilio_adapter import TwilioTelephony
from api.app import create_app
from api.twiml_builders import DISCLOSURE, TRANSFER_FAILED, WHISPER, spoken_digits
from domain.enums import CallStatus, RecordingStatus, TransferLegStatus
from domain.messages import PlaceCallRequest, RecordingEvent
from security.stream_token import verify
from sim.calls import SimCall
from sim.personas import Persona
from sim.registry import number_for_persona
from tests.telephony.conftest import CALLBACK_NUMBER, PUBLIC_BASE, STREAM_SECRET, FakeGateway, make_settings
from tests.telephony.media_stub import StreamSession, media_stub
from tests.telephony.simkit import adapter_for, network_of, sim_app, wait_for

WID = "outreach:campE:clientE"
REQUEST = PlaceCallRequest(
    workflow_id=WID, campaign_id="campE", client_id="clientE", attempt=1, idempotency_key="k"
)


class LateTransport(httpx.AsyncBaseTransport):
    """The reverse proxy in front of the api: strips the public path prefix. Plugged in late
    because the sim and the api call each other."""

    target: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.target is not None
        prefix = httpx.URL(PUBLIC_BASE).path
        assert request.url.path.startswith(prefix)
        request.url = request.url.copy_with(path=request.url.path[len(prefix) :])
        return await self.target.handle_async_request(request)


@dataclass
class World:
    sim: FastAPI
    api: FastAPI
    gateway: FakeGateway
    phone: TwilioTelephony

    async def dial(self, persona: str, n: int = 0) -> SimCall:
        sid = (await self.phone.place_call(REQUEST, number_for_persona(persona, n))).call_sid
        return network_of(self.sim).calls[sid]

    def statuses(self) -> list[CallStatus]:
        return [
            e.status
            for e in self.gateway.of("call_status")
            if not e.detail.startswith(("recording", "transfer"))
        ]


async def build_world(media_url: str = "ws://127.0.0.1:9/unused") -> World:
    late = LateTransport()
    sim = sim_app(late, time_scale=0.02)
    gateway = FakeGateway()
    settings = make_settings(media_stream_url=media_url)
    api = create_app(settings, gateway, adapter_for(sim))
    late.target = httpx.ASGITransport(app=api)
    return World(sim, api, gateway, adapter_for(sim))


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    w = await build_world()
    yield w
    await network_of(w.sim).aclose()


def says(call: SimCall) -> list[str]:
    return [detail for kind, detail in call.log if kind == "say"]


async def test_consent_denied_call_runs_disclosure_gather_goodbye(world: World) -> None:
    network = network_of(world.sim)
    network.registry.personas["agreeable"] = Persona(name="agreeable", consent=("no thanks",))
    call = await world.dial("agreeable")
    await wait_for(lambda: call.done.is_set())
    assert says(call)[0] == DISCLOSURE
    assert ("gather", "no thanks") in call.log
    assert ("hangup", "") in call.log
    assert [e.given for e in world.gateway.of("consent")] == [False]
    assert call.recordings == []
    await wait_for(lambda: CallStatus.COMPLETED in world.statuses())
    assert world.statuses()[:3] == [CallStatus.INITIATED, CallStatus.RINGING, CallStatus.ANSWERED]


async def test_voicemail_gets_the_phi_free_message_after_amd(world: World) -> None:
    call = await world.dial("voicemail")
    await wait_for(lambda: call.done.is_set())
    assert ("amd", "machine_end_beep") in call.log
    assert any(spoken_digits(CALLBACK_NUMBER) in text for text in says(call))
    assert CallStatus.MACHINE in world.statuses()
    assert world.gateway.of("consent") == [] or not world.gateway.of("consent")[0].given
    assert call.recordings == []
    assert call.status == "completed"


async def test_busy_and_no_answer_reach_the_workflow(world: World) -> None:
    busy = await world.dial("busy")
    silent = await world.dial("no-answer")
    await wait_for(lambda: busy.done.is_set() and silent.done.is_set())
    assert busy.status == "busy" and silent.status == "no-answer"
    finals = {e.call_sid: e.status for e in world.gateway.of("call_status")}
    assert finals[busy.sid] is CallStatus.BUSY
    assert finals[silent.sid] is CallStatus.NO_ANSWER


async def test_agreeable_callee_talks_in_band_through_the_stream() -> None:
    async def script(session: StreamSession) -> None:
        await session.say("Hi, am I speaking with Alex?", mark="q1")
        await session.listen(lambda s: bool(s.heard) and "q1" in s.marks)
        await session.ws.close()

    async with media_stub(script) as stub:
        world = await build_world(stub.url)
        try:
            call = await world.dial("agreeable")
            await wait_for(lambda: call.done.is_set())
        finally:
            await network_of(world.sim).aclose()
    [session] = stub.sessions
    assert session.events[:2] == ["connected", "start"]
    params = session.start["customParameters"]
    assert params["workflow_id"] == WID
    assert verify(STREAM_SECRET, params["token"], call_sid=call.sid).workflow_id == WID
    assert session.start["callSid"] == call.sid
    assert session.start["mediaFormat"] == {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
    assert session.heard == ["Yes, this is Alex."]
    assert session.marks == ["q1"]
    assert ("agent", "Hi, am I speaking with Alex?") in call.transcript
    assert ("stream", "server-closed") in call.log
    # consent first, then the recording; its completion reaches the workflow
    assert [e.given for e in world.gateway.of("consent")] == [True]
    [recording] = call.recordings
    assert call.log.index(("recording", recording.sid)) > call.log.index(("gather", "yes"))
    await wait_for(lambda: any(e.status is RecordingStatus.COMPLETED for e in world.gateway.of("recording")))
    # the recording sid reached the workflow when it started, before any status callback
    assert world.gateway.of("recording")[0] == RecordingEvent(
        call.sid, recording.sid, RecordingStatus.IN_PROGRESS
    )


async def test_confused_callee_is_asked_twice_and_the_callee_barges_in_with_digits() -> None:
    long_turn = "Thanks. I am calling about your dental and vision coverage options for next year, it is a long story."

    async def script(session: StreamSession) -> None:
        playing = await session.say("Am I speaking with Alex?", mark="m1")
        await session.say(long_turn, mark="m2")
        loop = __import__("asyncio").get_running_loop()
        started = loop.time()
        await session.listen(lambda s: bool(s.heard))
        session.barged_at = loop.time() - started  # type: ignore[attr-defined]
        session.total_playing = playing + len(long_turn) / 50  # type: ignore[attr-defined]
        await session.clear()
        await session.listen(lambda s: "m2" in s.marks)
        await session.ws.close()

    async with media_stub(script) as stub:
        world = await build_world(stub.url)
        network = network_of(world.sim)
        talker = network.registry.personas["talks-over-agent"]
        network.registry.personas["talks-over-agent"] = Persona(
            name="talks-over-agent", consent=("what was that?", "1"), replies=talker.replies, barge_in=True
        )
        try:
            call = await world.dial("talks-over-agent")
            await wait_for(lambda: call.done.is_set())
        finally:
            await network.aclose()
    gathers = [detail for kind, detail in call.log if kind == "gather"]
    assert gathers == ["what was that?", "1"]
    assert [e.method for e in world.gateway.of("consent")] == ["dtmf"]
    [session] = stub.sessions
    assert session.heard[0] == "Yes, this is Alex."
    assert session.barged_at < session.total_playing  # type: ignore[attr-defined]
    assert session.marks[:2] == ["m1", "m2"]  # m2 came back at once when we cleared
    assert ("stream-clears", "1") in call.log
    assert ("agent", long_turn) not in call.transcript  # cleared before it finished playing


async def test_callee_hanging_up_mid_call_stops_the_stream() -> None:
    async def script(session: StreamSession) -> None:
        for i, question in enumerate(["Is this Alex?", "What is your date of birth?", "And your zip code?"]):
            await session.say(question, mark=f"q{i}")
            await session.listen(lambda s, n=i: len(s.heard) > n)
        await session.listen(lambda s: s.stopped)

    async with media_stub(script) as stub:
        world = await build_world(stub.url)
        try:
            call = await world.dial("hangs-up-mid-call")
            await wait_for(lambda: call.done.is_set())
        finally:
            await network_of(world.sim).aclose()
    [session] = stub.sessions
    assert session.heard == ["Yes, this is Alex.", "Alex Morgan, March 3rd, 1960."]
    assert session.stopped and session.events[-1] == "stop"
    assert ("stream", "callee-hung-up") in call.log
    assert call.status == "completed"


async def _transfer(broker_persona: str) -> tuple[World, SimCall, StreamSession]:
    async def script(session: StreamSession) -> None:
        await session.say("Let me connect you with your broker.")
        await session.listen(lambda s: s.stopped)

    async with media_stub(script) as stub:
        world = await build_world(stub.url)
        try:
            call = await world.dial("wants-broker")
            await wait_for(lambda: bool(stub.sessions) and bool(stub.sessions[0].start))
            await world.phone.transfer(
                call.sid,
                number_for_persona(broker_persona, 7),
                f"{PUBLIC_BASE}/twilio/voice/whisper?workflow_id={WID}",
            )
            await wait_for(lambda: call.done.is_set())
        finally:
            await network_of(world.sim).aclose()
    return world, call, stub.sessions[0]


async def test_warm_transfer_whispers_to_the_broker_and_bridges() -> None:
    world, call, session = await _transfer("agreeable")
    assert session.stopped  # the stream ended with `stop` when the call was redirected
    assert ("whisper", WHISPER) in call.log
    assert ("dial-result", "completed") in call.log
    assert [e.status for e in world.gateway.of("transfer_result")] == [TransferLegStatus.COMPLETED]


async def test_warm_transfer_to_an_unavailable_broker_tells_the_client() -> None:
    world, call, _ = await _transfer("no-answer")
    assert ("dial-result", "no-answer") in call.log
    assert TRANSFER_FAILED in says(call)
    [event] = world.gateway.of("transfer_result")
    assert event.status is TransferLegStatus.NO_ANSWER


async def test_warm_transfer_to_a_busy_broker_reports_busy() -> None:
    world, call, _ = await _transfer("busy")
    assert ("dial-result", "busy") in call.log
    [event] = world.gateway.of("transfer_result")
    assert event.status is TransferLegStatus.BUSY
