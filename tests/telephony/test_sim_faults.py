"""The simulator misbehaves as Twilio does (`PUT /sim/faults`), and the real adapter and the
dialling activity cope: a create whose answer is lost after the call exists is found in the
carrier's call list and adopted, never dialled twice; refusals before create leave no call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from temporalio.testing import ActivityEnvironment

from activities.dialling import DialActivities
from adapters.telephony.base import TelephonyError, TelephonyRejected
from db.models import Client
from db.seed import create_campaign, seed
from db.session import Database
from domain.messages import CallingWindow, PlaceCallRequest
from sim.faults import SimFaults
from sim.registry import number_for_persona
from tests.telephony.simkit import adapter_for, network_of, sim_app, wait_for
from tests.telephony.test_twilio_adapter import REQUEST, fake_api

DIAL_AT = datetime(2030, 3, 4, 20, 0, tzinfo=UTC)  # inside every seeded zone's calling hours


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[FastAPI]:
    app = sim_app(httpx.MockTransport(fake_api))
    yield app
    await network_of(app).aclose()


class HeldAnswer:
    """Our api's answer webhook, never answered: a call it picks up stays in progress with no
    TwiML to run, so nothing but a hang-up (which cancels the fetch, as Twilio does) ends it."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/voice/answer"):
            self.reached.set()
            await asyncio.Event().wait()
        return fake_api(request)


@pytest_asyncio.fixture
async def held_sim() -> AsyncIterator[tuple[FastAPI, HeldAnswer]]:
    answer = HeldAnswer()
    app = sim_app(httpx.MockTransport(answer))
    yield app, answer
    await network_of(app).aclose()


async def faults(app: FastAPI, **values: object) -> dict[str, object]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as http:
        response = await http.put("/sim/faults", json=values)
        response.raise_for_status()
        body: dict[str, object] = response.json()
        return body


async def test_the_call_list_finds_calls_to_a_number_since_an_instant(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    before = datetime.now(UTC) - timedelta(seconds=1)
    first = await adapter.place_call(REQUEST, "(202) 555-0111")
    await adapter.place_call(REQUEST, "(202) 555-0122")
    found = await adapter.find_calls("+12025550111", before)
    assert [c.sid for c in found] == [first.call_sid]
    assert found[0].live and found[0].created_at >= before
    assert await adapter.find_calls("+12025550111", datetime.now(UTC) + timedelta(minutes=5)) == []
    await adapter.aclose()


async def test_a_lost_create_answer_is_an_error_but_the_call_exists(sim: FastAPI) -> None:
    adapter = adapter_for(sim)
    await faults(sim, create_answer_lost=1)
    since = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(TelephonyError) as caught:
        await adapter.place_call(REQUEST, "(202) 555-0133")
    assert not isinstance(caught.value, TelephonyRejected)  # retryable
    [call] = await adapter.find_calls("+12025550133", since)
    assert network_of(sim).calls[call.sid].to == "+12025550133"
    assert network_of(sim).injected.create_answer_lost == 1
    await adapter.aclose()


@pytest.mark.parametrize("fault", ["create_5xx", "create_429"])
async def test_a_refusal_before_create_is_retryable_and_leaves_no_call(sim: FastAPI, fault: str) -> None:
    adapter = adapter_for(sim)
    await faults(sim, **{fault: 1})
    with pytest.raises(TelephonyError) as caught:
        await adapter.place_call(REQUEST, "(202) 555-0144")
    assert not isinstance(caught.value, TelephonyRejected)
    assert network_of(sim).calls == {}
    again = await adapter.place_call(REQUEST, "(202) 555-0144")  # the fault is used up
    assert list(network_of(sim).calls) == [again.call_sid]
    await adapter.aclose()


async def test_rest_faults_fail_other_requests_retryably(held_sim: tuple[FastAPI, HeldAnswer]) -> None:
    sim, answer = held_sim
    adapter = adapter_for(sim)
    placed = await adapter.place_call(REQUEST, number_for_persona("agreeable"))
    call = network_of(sim).calls[placed.call_sid]
    await wait_for(answer.reached.is_set)  # answered and held: live until we hang it up
    await faults(sim, rest_5xx=1)
    with pytest.raises(TelephonyError) as caught:
        await adapter.hangup(placed.call_sid)
    assert not isinstance(caught.value, TelephonyRejected)  # retryable
    assert call.status == "in-progress" and not call.hangup_requested
    await adapter.hangup(placed.call_sid)  # next time it works
    assert call.hangup_requested and network_of(sim).injected.rest_5xx == 1
    await wait_for(call.done.is_set)
    assert call.status == "completed"
    await adapter.aclose()


async def test_faults_reject_bad_values(sim: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url="http://sim") as http:
        response = await http.put("/sim/faults", json={"create_5xx": -1})
    assert response.status_code == 422
    assert network_of(sim).faults == SimFaults()


async def test_the_dial_activity_adopts_the_call_a_lost_answer_made(sim: FastAPI, database: Database) -> None:
    async with database.session() as session:
        seeded = await seed(session, brokers=1, clients=1, seed_value=5)
        await create_campaign(session, "camp9", "faults", seeded.client_ids)
        client = await session.get(Client, seeded.client_ids[0])
        assert client is not None
        number = client.phone
    dial = DialActivities(database, adapter_for(sim))
    request = PlaceCallRequest(
        f"outreach:camp9:{seeded.client_ids[0]}",
        "camp9",
        seeded.client_ids[0],
        1,
        "outreach:camp9:x/attempt-1",
        dialled_at=DIAL_AT,
        window=CallingWindow(0, 24),
    )
    await faults(sim, create_answer_lost=1)
    result = await ActivityEnvironment().run(dial.place_call, request)
    again = await ActivityEnvironment().run(dial.place_call, request)  # a Temporal retry
    calls = list(network_of(sim).calls.values())
    assert len(calls) == 1 and result.call_sid == again.call_sid == calls[0].sid and result.adopted
    assert calls[0].to.endswith(number[-4:])
