"""Promise: a broker sees its own callbacks, appointments, availability and an iCalendar feed
(ids only, no client PHI), and marks a callback done or moves it through the callback's real
workflow (the workflow writes the row); another broker's id looks unknown, Emma's own re-calls
and closed callbacks are refused with 409, and a time in the past is 422."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from icalendar import Calendar
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.temporal_gateway import TemporalCampaignControl
from db.api_keys import create_api_key
from db.models import Callback, Client
from db.repositories.outreach import book, record_callback
from db.session import Database
from domain.enums import Role
from tests.telephony.conftest import FakeGateway, FakeTelephony, make_settings
from tests.workflows.test_broker_callback import callback_in
from tests.workflows.test_campaign import SAFETY_NET


async def _client(
    database: Database, world_task_queue: str, env: WorkflowEnvironment, broker_id: str
) -> tuple[httpx.AsyncClient, dict[str, str]]:
    control = TemporalCampaignControl(env.client, world_task_queue)
    app = create_app(make_settings(), FakeGateway(), FakeTelephony(), database=database, campaigns=control)
    async with database.session() as s:
        token = await create_api_key(s, "broker-api", Role.BROKER, broker_id)
        await s.commit()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.internal")
    return http, {"Authorization": f"Bearer {token}"}


async def test_a_broker_lists_moves_and_closes_its_callback(
    time_env: WorkflowEnvironment, database: Database
):
    async with callback_in(time_env, database, timedelta(hours=2)) as (world, handle, at):
        broker_id = world.broker_ids[0]
        http, auth = await _client(database, world.task_queue, time_env, broker_id)
        listed = (await http.get(f"/brokers/{broker_id}/callbacks", headers=auth)).json()["callbacks"]
        assert [(c["owner"], c["status"], c["client_id"]) for c in listed] == [
            ("broker", "scheduled", world.client_ids[0])
        ]
        callback_id = listed[0]["callback_id"]
        base = f"/brokers/{broker_id}/callbacks/{callback_id}"
        past = await http.post(
            f"{base}/reschedule", json={"callback_at": "2001-01-01T10:00:00Z"}, headers=auth
        )
        assert past.status_code == 422
        naive = await http.post(
            f"{base}/reschedule", json={"callback_at": "2099-01-01T10:00:00"}, headers=auth
        )
        assert naive.status_code == 422  # a time without a zone is ambiguous
        # Two days after both clocks: the api checks the wall clock, the workflow its own, which
        # the time-skipping server may have moved days ahead (a Friday-evening callback goes to Monday).
        latest_now = max(datetime.now(UTC), await time_env.get_current_time())
        later = latest_now.replace(microsecond=0) + timedelta(days=2)
        moved = await http.post(f"{base}/reschedule", json={"callback_at": later.isoformat()}, headers=auth)
        assert moved.status_code == 200, moved.text
        assert datetime.fromisoformat(moved.json()["callback"]["callback_at"]) == later
        async with database.session() as s:
            row = await s.get(Callback, callback_id)
            assert row is not None and row.status == "rescheduled"  # written by the workflow's activity
        done = await http.post(f"{base}/done", headers=auth)
        assert done.status_code == 202, done.text
        result = await asyncio.wait_for(handle.result(), SAFETY_NET)
        assert (result.status, result.reschedules) == ("completed", 1)
        closed = await http.post(f"{base}/done", headers=auth)
        assert closed.status_code == 409 and "already completed" in closed.json()["detail"]
        other = await http.get("/brokers/someone-else/callbacks", headers=auth)
        assert other.status_code == 404  # another broker's id looks unknown


async def test_emma_s_recall_is_not_the_broker_s_to_close(time_env: WorkflowEnvironment, database: Database):
    async with callback_in(time_env, database, timedelta(hours=2)) as (world, _handle, at):
        broker_id, client_id = world.broker_ids[0], world.client_ids[0]
        async with database.session() as s:
            ai, _ = await record_callback(s, "test/ai/callback", "camp-1", client_id, broker_id, at, "ai")
        http, auth = await _client(database, world.task_queue, time_env, broker_id)
        refused = await http.post(f"/brokers/{broker_id}/callbacks/{ai.id}/done", headers=auth)
        assert refused.status_code == 409 and "Emma" in refused.json()["detail"]
        unknown = await http.post(f"/brokers/{broker_id}/callbacks/cb_0000000000000000/done", headers=auth)
        assert unknown.status_code == 404


async def test_appointments_availability_and_the_calendar_feed(
    time_env: WorkflowEnvironment, database: Database
):
    async with callback_in(time_env, database, timedelta(hours=2)) as (world, _handle, at):
        broker_id, client_id = world.broker_ids[0], world.client_ids[0]
        slot = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        async with database.session() as s:
            appointment, _ = await book(
                s, "test/book", "camp-1", client_id, broker_id, slot, "dental", "CA" + "1" * 32
            )
            person = await s.get(Client, client_id)
            assert person is not None
            first_name, last_name = person.first_name, person.last_name
        http, auth = await _client(database, world.task_queue, time_env, broker_id)
        booked = (await http.get(f"/brokers/{broker_id}/appointments", headers=auth)).json()["appointments"]
        assert [(a["appointment_id"], a["product"]) for a in booked] == [(appointment.id, "dental")]
        free = (await http.get(f"/brokers/{broker_id}/availability", params={"days": 2}, headers=auth)).json()
        assert free["free_slots"] and slot.isoformat().replace("+00:00", "Z") not in free["free_slots"]
        feed = await http.get(f"/brokers/{broker_id}/calendar.ics", headers=auth)
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(feed.content)
        events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
        async with database.session() as s:
            callback_id = (await s.execute(select(Callback.id))).scalar_one()
        assert set(events) == {f"{appointment.id}@gyde-voice", f"{callback_id}@gyde-voice"}
        assert events[f"{appointment.id}@gyde-voice"].decoded("dtstart") == slot
        assert first_name not in feed.text and last_name not in feed.text  # ids only
