"""The simulator's REST front door speaks Twilio's shapes, errors included."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from fastapi import FastAPI

from sim.registry import number_for_persona
from tests.telephony.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.telephony.simkit import network_of, sim_app, wait_for

CALLS = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


def quiet_api(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="<Response><Hangup/></Response>")


@pytest_asyncio.fixture
async def rest() -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = sim_app(httpx.MockTransport(quiet_api))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sim", auth=(ACCOUNT_SID, AUTH_TOKEN)
    ) as http:
        yield app, http
    await network_of(app).aclose()


def create_form(**extra: str) -> dict[str, str]:
    return {
        "To": number_for_persona("agreeable"),
        "From": "+12025550100",
        "Url": "https://a.example/answer",
    } | extra


async def test_unauthenticated_requests_get_twilio_20003(rest: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = rest
    response = await http.post(CALLS, data=create_form(), auth=(ACCOUNT_SID, "wrong"))
    assert response.status_code == 401
    assert response.json()["code"] == 20003
    other_account = await http.post("/2010-04-01/Accounts/AC" + "b" * 32 + "/Calls.json", data=create_form())
    assert other_account.status_code == 401


async def test_create_validates_like_twilio(rest: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = rest
    cases = [
        (create_form(To=""), 21201),
        (create_form(To="+1555"), 21211),
        (create_form(From="me"), 21212),
        ({k: v for k, v in create_form().items() if k != "Url"}, 21205),
        (create_form(Timeout="soon"), 21210),
    ]
    for form, code in cases:
        response = await http.post(CALLS, data=form)
        assert response.status_code == 400, form
        body = response.json()
        assert body["code"] == code and body["status"] == 400 and "more_info" in body


async def test_created_call_is_twilio_shaped_and_runs(rest: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = rest
    response = await http.post(CALLS, data=create_form())
    assert response.status_code == 201
    body = response.json()
    assert body["sid"].startswith("CA") and body["direction"] == "outbound-api"
    assert body["uri"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{body['sid']}.json"
    call = network_of(app).calls[body["sid"]]
    await wait_for(lambda: call.done.is_set())
    fetched = (await http.get(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{body['sid']}.json")).json()
    assert fetched["status"] == "completed"


async def test_updates_on_unknown_or_finished_calls_fail_like_twilio(
    rest: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = rest
    unknown = await http.post(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA{'0' * 32}.json", data={"Status": "completed"}
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == 20404
    sid = (await http.post(CALLS, data=create_form())).json()["sid"]
    await wait_for(lambda: network_of(app).calls[sid].done.is_set())
    finished = await http.post(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json", data={"Status": "completed"}
    )
    assert finished.status_code == 400 and finished.json()["code"] == 21220
    bad_status = await http.post(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json", data={"Status": "paused"}
    )
    assert bad_status.status_code == 400 and bad_status.json()["code"] == 21218


async def test_number_registry_endpoints(rest: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = rest
    ok = await http.put(
        "/sim/numbers/(202) 555-7777", json={"persona": "declines", "facts": {"first_name": "Bo"}}
    )
    assert ok.status_code == 200 and ok.json() == {"number": "+12025557777", "persona": "declines"}
    assert (await http.get("/sim/numbers/+12025557777")).json()["persona"] == "declines"
    assert (await http.put("/sim/numbers/+12025557777", json={"persona": "ghost"})).status_code == 400
    assert (await http.put("/sim/numbers/123", json={"persona": "declines"})).status_code == 400
    assert (await http.put("/sim/numbers/+12025557777", json={"facts": {}})).status_code == 422
    bulk = [
        {"number": "+12025557001", "persona": "busy"},
        {"number": "+12025557002", "persona": "voicemail", "facts": {"first_name": "Al"}},
    ]
    assert (await http.post("/sim/numbers", json=bulk)).json() == {"registered": 2}
    assert (await http.get("/sim/numbers/+12025557002")).json()["persona"] == "voicemail"
    bad = await http.post(
        "/sim/numbers",
        json=[{"number": "+12025557003", "persona": "busy"}, {"number": "1", "persona": "busy"}],
    )
    assert bad.status_code == 400
    assert (await http.get("/sim/numbers/+12025557003")).json()["persona"] != "busy"  # all or nothing
    personas = (await http.get("/sim/personas")).json()
    assert len(personas) == 15
