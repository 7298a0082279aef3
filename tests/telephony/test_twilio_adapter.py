"""The Twilio adapter on the real twilio SDK, pointed at the simulator's REST API through the
SDK's HTTP client hook."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from adapters.phone_numbers import normalize_e164
from adapters.telephony.base import TelephonyError
from adapters.telephony.http_client import RewritingAsyncHttpClient
from adapters.telephony.twilio_adapter import TelephonyRejected, _translate
from adapters.telephony.urls import TwilioUrls
from domain.messages import PlaceCallRequest
from domain.phone import InvalidPhoneNumber
from sim.registry import number_for_persona
from tests.telephony.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE
from tests.telephony.simkit import SIM_BASE, adapter_for, network_of, sim_app, wait_for

WID = "outreach:camp9:client9"
REQUEST = PlaceCallRequest(
    workflow_id=WID, campaign_id="camp9", client_id="client9", attempt=1, idempotency_key="k"
)
requests_seen: list[httpx.Request] = []


def fake_api(request: httpx.Request) -> httpx.Response:
    """Stands in for our api: keeps calls busy, briefs brokers, ends transfers."""
    requests_seen.append(request)
    path = request.url.path
    if path.endswith("/voice/answer"):
        return httpx.Response(200, text='<Response><Pause length="120"/></Response>')
    if path.endswith("/voice/whisper"):
        return httpx.Response(200, text="<Response><Say>Broker briefing.</Say></Response>")
    if path.endswith("/voice/transfer-result"):
        return httpx.Response(200, text="<Response><Hangup/></Response>")
    return httpx.Response(204)


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[FastAPI]:
    requests_seen.clear()
    app = sim_app(httpx.MockTransport(fake_api))
    yield app
    await network_of(app).aclose()


async def test_place_call_asks_twilio_for_everything_the_design_needs(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    result = await adapter.place_call(REQUEST, "(202) 555-0100")
    call = network_of(sim).calls[result.call_sid]
    urls = TwilioUrls(PUBLIC_BASE)
    assert result.call_sid.startswith("CA") and len(result.call_sid) == 34
    assert call.to == "+12025550100" and call.from_ == "+12025550100"
    assert call.options.url == urls.answer(WID)
    assert call.options.status_callback == urls.status(WID, 1)
    assert call.options.status_events == ("initiated", "ringing", "answered", "completed")
    assert call.options.machine_detection == "DetectMessageEnd"
    assert call.options.async_amd is True
    assert call.options.amd_callback == urls.amd(WID, 1)
    assert call.options.timeout == 30
    await adapter.aclose()


@pytest.mark.parametrize("number", ["", "12345", "+1 555 555 0100", "call me maybe", "+44 20"])
async def test_invalid_numbers_fail_before_dialling(sim: FastAPI, number: str) -> None:
    adapter = adapter_for(sim)
    with pytest.raises(InvalidPhoneNumber):
        await adapter.place_call(REQUEST, number)
    assert network_of(sim).calls == {}


async def test_a_non_us_number_is_not_dialled(sim: FastAPI) -> None:
    from adapters.phone_numbers import PhoneRegionNotAllowed

    adapter = adapter_for(sim)
    with pytest.raises(PhoneRegionNotAllowed):
        await adapter.place_call(REQUEST, "+44 20 7183 8750")
    assert network_of(sim).calls == {}


async def test_twilio_invalid_number_errors_map_to_invalid_phone_number(sim: FastAPI) -> None:
    http = RewritingAsyncHttpClient(SIM_BASE, transport=httpx.ASGITransport(app=sim))
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http)
    with pytest.raises(TwilioRestException) as caught:
        await client.calls.create_async(to="+15555550100", from_="+12025550100", url="https://x.example/a")
    assert caught.value.code == 21211 and caught.value.status == 400
    assert isinstance(_translate(caught.value, "place_call"), InvalidPhoneNumber)


async def test_bad_credentials_are_a_non_retryable_rejection(sim: FastAPI) -> None:
    adapter = adapter_for(sim, auth_token="wrong")
    with pytest.raises(TelephonyRejected):
        await adapter.place_call(REQUEST, number_for_persona("agreeable"))


def test_server_errors_are_retryable() -> None:
    err = _translate(TwilioRestException(503, "/Calls.json", "unavailable", code=20500), "place_call")
    assert type(err) is TelephonyError


async def test_hangup_ends_the_call_and_is_idempotent(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    sid = (await adapter.place_call(REQUEST, number_for_persona("agreeable"))).call_sid
    call = network_of(sim).calls[sid]
    await wait_for(lambda: call.status == "in-progress")
    await adapter.hangup(sid)
    await wait_for(lambda: call.done.is_set())
    assert call.status == "completed"
    await adapter.hangup(sid)  # already over: not an error
    await adapter.hangup("CA" + "f" * 32)  # unknown call: not an error either


async def test_recordings_start_and_delete_idempotently(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    sid = (await adapter.place_call(REQUEST, number_for_persona("agreeable"))).call_sid
    call = network_of(sim).calls[sid]
    await wait_for(lambda: call.status == "in-progress")
    recording_sid = await adapter.start_recording(sid, WID)
    recording = network_of(sim).recordings[recording_sid]
    assert recording.status_callback == TwilioUrls(PUBLIC_BASE).recording(WID)
    assert recording.channels == 2
    await adapter.delete_recording(recording_sid)
    assert recording.deleted
    await adapter.delete_recording(recording_sid)  # gone already: fine
    await adapter.hangup(sid)


async def test_recording_a_call_that_is_not_live_is_refused(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    sid = (await adapter.place_call(REQUEST, number_for_persona("busy"))).call_sid
    call = network_of(sim).calls[sid]
    await wait_for(lambda: call.done.is_set())
    with pytest.raises(TelephonyError):
        await adapter.start_recording(sid, WID)


async def test_warm_transfer_dials_the_broker_with_a_whisper(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    sid = (await adapter.place_call(REQUEST, number_for_persona("agreeable"))).call_sid
    call = network_of(sim).calls[sid]
    await wait_for(lambda: call.status == "in-progress" and call.program is not None)
    whisper = TwilioUrls(PUBLIC_BASE).whisper(WID)
    await adapter.transfer(sid, number_for_persona("agreeable", 1), whisper)
    await wait_for(lambda: call.done.is_set())
    assert ("whisper", "Broker briefing.") in call.log
    assert ("dial-result", "completed") in call.log
    result_posts = [r for r in requests_seen if r.url.path.endswith("/voice/transfer-result")]
    assert len(result_posts) == 1
    assert "workflow_id=outreach%3Acamp9%3Aclient9" in str(result_posts[0].url)
    assert b"DialCallStatus=completed" in result_posts[0].content


async def test_transfer_twiml_is_a_dial_with_a_whisper_number(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    sid = (await adapter.place_call(REQUEST, number_for_persona("agreeable"))).call_sid
    call = network_of(sim).calls[sid]
    await wait_for(lambda: call.status == "in-progress" and call.program is not None)
    broker = number_for_persona("no-answer", 3)
    await adapter.transfer(sid, broker, TwilioUrls(PUBLIC_BASE).whisper(WID))
    await wait_for(lambda: ("dial", "broker") in call.log)
    # the sim parsed our TwiML: check the document the adapter sent
    twiml = ET.fromstring(_last_twiml(call))
    dial = twiml.find("Dial")
    assert dial is not None and dial.get("timeout") == "20"
    number = dial.find("Number")
    assert number is not None and number.text == normalize_e164(broker)
    assert number.get("url") == TwilioUrls(PUBLIC_BASE).whisper(WID)
    await wait_for(lambda: call.done.is_set())
    assert ("dial-result", "no-answer") in call.log


def _last_twiml(call: object) -> str:
    twiml = getattr(call, "last_twiml", None)
    assert isinstance(twiml, str)
    return twiml


def test_transfer_without_a_workflow_id_is_refused() -> None:
    import asyncio

    from adapters.telephony.twilio_adapter import TwilioConfig, build_twilio_telephony

    adapter = build_twilio_telephony(
        TwilioConfig(ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE, "+12025550100"),
        RewritingAsyncHttpClient(SIM_BASE, transport=httpx.MockTransport(fake_api)),
    )
    with pytest.raises(ValueError, match="workflow_id"):
        asyncio.run(adapter.transfer("CA" + "1" * 32, "+12025550101", "https://x.example/whisper"))


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        (
            SIM_BASE,
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json",
            f"{SIM_BASE}/2010-04-01/Accounts/AC1/Calls.json",
        ),
        (
            "http://h:1/prefix/",
            "https://api.twilio.com/2010-04-01/X.json?a=1",
            "http://h:1/prefix/2010-04-01/X.json?a=1",
        ),
        (SIM_BASE, "https://example.com/other", "https://example.com/other"),
        (None, "https://api.twilio.com/2010-04-01/X.json", "https://api.twilio.com/2010-04-01/X.json"),
    ],
)
def test_the_http_hook_rewrites_only_twilio_hosts(base: str | None, url: str, expected: str) -> None:
    assert RewritingAsyncHttpClient(base).rewrite(url) == expected
