"""Faults after the call, while the client's follow-ups run: a CRM outage must not keep the
last call's dial slot (`max_concurrent_calls` caps *live* calls, workflows/campaign.py), and an
opt-out that lands once the call is no longer live still reaches the DNC list when a booking
makes the outcome "scheduled"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from adapters.crm.base import CrmError
from adapters.scheduling.base import BookedSlot
from db.local.calendar import LocalScheduling
from db.local.crm import LocalCrm
from db.models import Appointment, DncEntry
from db.session import Database
from domain.enums import CallResult, Outcome
from domain.ids import outreach_workflow_id
from domain.messages import OptOutRequest
from sim.scripted_phone import Book, answered_call
from tests.workflows.harness import running_world
from tests.workflows.test_campaign import DECLINED, cid, spec, start
from tests.workflows.test_outreach import count, task_for
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow

SAFETY_NET = 90.0


class CrmOutage(LocalCrm):
    """The CRM is down for one client's write until the test ends the outage."""

    def __init__(self, db: Database, client_id: str) -> None:
        super().__init__(db)
        self.client_id = client_id
        self.over = asyncio.Event()
        self.failed_tries = 0

    async def write_outcome(self, key: str, client_id: str, *args: object) -> str:
        if client_id == self.client_id and not self.over.is_set():
            self.failed_tries += 1
            raise CrmError("503 Service Unavailable (simulated CRM outage)")
        return await super().write_outcome(key, client_id, *args)  # type: ignore[arg-type]


async def _eventually(check: Callable[[], bool], seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


async def test_a_crm_outage_after_one_call_does_not_stop_the_campaign_dialling(
    time_env: WorkflowEnvironment, database: Database
):
    crm = CrmOutage(database, cid(0))
    async with running_world(time_env.client, database, lambda _c, _a: DECLINED, clients=2, crm=crm) as world:
        handle = await start(world, spec(max_concurrent_calls=1))
        try:
            # Client 0's call is over (it declined) and its CRM write is failing.
            assert await _eventually(lambda: crm.failed_tries >= 1, 30.0)
            # No call is live: the one slot is free, so client 1 must be dialled meanwhile.
            dialled = await _eventually(lambda: any(r.client_id == cid(1) for r in world.phone.placed), 20.0)
            progress = await handle.query(CampaignWorkflow.progress)
        finally:
            crm.over.set()
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert dialled, (
        f"client 1 was never dialled while client 0 (call over) retried its CRM write "
        f"{crm.failed_tries} times; campaign shows {progress.in_flight} live call(s), "
        f"started {progress.started}"
    )
    assert summary.outcomes == {"declined": 2}


class GatedScheduling(LocalScheduling):
    """A booking that holds until the test lets it through (a slow remote calendar)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.started = asyncio.Event()
        self.gate = asyncio.Event()

    async def book(self, *args: object, **kwargs: object) -> BookedSlot:
        self.started.set()
        await asyncio.wait_for(self.gate.wait(), SAFETY_NET)
        return await super().book(*args, **kwargs)  # type: ignore[arg-type]


async def _call_over_while_booking(handle: object) -> bool:
    """The place_call result has been handled by a completed workflow task: the workflow is past
    the live call and waits only for the booking in flight."""
    history = await handle.fetch_history()  # type: ignore[attr-defined]
    events = list(history.events)
    placed = [
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
        and events[
            e.activity_task_completed_event_attributes.scheduled_event_id - 1
        ].activity_task_scheduled_event_attributes.activity_type.name
        == "place_call"
    ]
    return bool(placed) and any(
        e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED for e in events[placed[0] :]
    )


async def test_an_opt_out_after_the_call_with_a_booking_in_flight_still_goes_on_the_dnc_list(
    time_env: WorkflowEnvironment, database: Database
):
    calendar = GatedScheduling(database)
    script = answered_call(Book(wait=False), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: script, scheduling=calendar) as world:
        task = task_for(world, max_attempts=1)
        handle = await world.client.start_workflow(
            ClientOutreachWorkflow.run,
            task,
            id=outreach_workflow_id(task.campaign_id, task.client_id),
            task_queue=world.task_queue,
        )
        try:
            await asyncio.wait_for(calendar.started.wait(), SAFETY_NET)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + SAFETY_NET
            while not await _call_over_while_booking(handle):
                assert loop.time() < deadline, "the workflow never got past the call"
                await asyncio.sleep(0.05)
            # The call is over; the caller's "and never call me again" reaches the workflow now.
            await handle.signal(ClientOutreachWorkflow.opt_out, OptOutRequest(world.phone.created[0].sid))
        finally:
            calendar.gate.set()
        result = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert result.outcome is Outcome.SCHEDULED  # the booking accepted during the call stands
    assert await count(database, Appointment) == 1
    assert await count(database, DncEntry) == 1  # and the opt-out is honoured
