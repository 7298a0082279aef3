"""Issue 10's lifecycle defects, each tried the way production breaks it: a lost carrier answer,
a hang-up while an update is in flight, a DNC entry or a closed window while waiting for a dial
slot, signals for calls this workflow never placed. Time-skipping server, real activities and a
fresh database; the scripted carrier misbehaves the way Twilio can."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from adapters.scheduling.base import BookedSlot
from db.local.calendar import LocalScheduling
from db.models import Appointment, CallAttempt, Callback, CrmNote, OutboxEmail
from db.models import Client as ClientRow
from db.models_privacy import ConsentKind, ConsentRecord, Recording
from db.repositories import outreach as repo
from db.session import Database
from domain.enums import CallResult, CallStatus, Outcome, Stage
from domain.ids import campaign_workflow_id, outreach_workflow_id
from domain.messages import (
    BookAppointmentRequest,
    CallEnded,
    CallingWindow,
    CallStatusEvent,
    CampaignInput,
    ClientTask,
    ConsentEvent,
    OptOutRequest,
    RetryPolicySpec,
)
from sim.scripted_phone import (
    AskCallback,
    Book,
    CarrierFaults,
    EnterStage,
    RecordingStarted,
    answered_call,
    unanswered_call,
)
from tests.workflows.harness import World, running_world
from tests.workflows.test_campaign import progress_when, spec
from tests.workflows.test_outreach import count, run, task_for
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow

BOOKED = answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)
SAFETY_NET = 60.0  # seconds: turns a hang into a failure; never an assertion about duration
ZONE = "America/New_York"


async def start(world: World, task: ClientTask) -> WorkflowHandle[ClientOutreachWorkflow, object]:
    return await world.client.start_workflow(
        ClientOutreachWorkflow.run,
        task,
        id=outreach_workflow_id(task.campaign_id, task.client_id),
        task_queue=world.task_queue,
    )


async def until_waiting(time_env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """Poll (time locked) until the first attempt is over and a retry is pending."""
    for _ in range(400):
        status = await handle.query(ClientOutreachWorkflow.status)
        if status.next_call_at is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workflow never started waiting for a retry")


class SlowScheduling(LocalScheduling):
    """Bookings take a while, as a remote calendar does: long enough to hang up meanwhile."""

    async def book(self, *args: object, **kwargs: object) -> BookedSlot:
        await asyncio.sleep(0.5)
        return await super().book(*args, **kwargs)  # type: ignore[arg-type]


# --- defect 1: double dial ----------------------------------------------------------------------


async def test_a_lost_create_answer_adopts_the_call_instead_of_dialling_again(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(time_env.client, database, lambda _c, _a: BOOKED) as world:
        world.phone.faults = CarrierFaults(answer_lost=1)
        result = await run(world, task_for(world))
    assert len(world.phone.created) == 1  # Twilio created it once; the retry adopted it
    assert result.outcome is Outcome.SCHEDULED
    assert await count(database, Appointment) == 1
    assert await count(database, OutboxEmail, template="appointment_confirmation") == 1
    async with database.session() as session:
        [attempt] = (await session.execute(select(CallAttempt))).scalars().all()
    assert attempt.call_sid == world.phone.created[0].sid


async def test_a_carrier_error_before_create_is_retried_into_one_call(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(time_env.client, database, lambda _c, _a: BOOKED) as world:
        world.phone.faults = CarrierFaults(fail_before_create=2)
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    assert len(world.phone.created) == 1


async def test_a_dial_that_keeps_failing_ends_failed_without_a_call(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(time_env.client, database, lambda _c, _a: BOOKED) as world:
        world.phone.faults = CarrierFaults(fail_before_create=10)
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.FAILED
    assert world.phone.created == []


async def test_a_live_call_of_ours_that_the_workflow_does_not_follow_is_hung_up(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(
        time_env.client, database, lambda _c, a: unanswered_call(CallStatus.NO_ANSWER) if a == 1 else BOOKED
    ) as world:
        handle = await start(world, task_for(world))
        await until_waiting(time_env, handle)
        stray = "CA" + "7" * 32  # a second call attempt 1 made (a duplicate create)
        await handle.signal(
            ClientOutreachWorkflow.call_status, CallStatusEvent(stray, CallStatus.RINGING, 1, attempt=1)
        )
        for _ in range(200):
            if stray in world.phone.hung_up:
                break
            await asyncio.sleep(0.05)
        result = await handle.result()
    assert stray in world.phone.hung_up
    assert result.outcome is Outcome.SCHEDULED


# --- defect 2: re-dial after a booking -----------------------------------------------------------


async def test_a_hang_up_while_the_booking_is_in_flight_still_ends_scheduled(
    time_env: WorkflowEnvironment, database: Database
):
    # The caller hangs up (the stream drops) while book_appointment is still running.
    script = answered_call(Book(wait=False), result=CallResult.DROPPED)
    async with running_world(
        time_env.client, database, lambda _c, _a: script, scheduling=SlowScheduling(database)
    ) as world:
        result = await run(world, task_for(world, max_attempts=1))
    assert result.outcome is Outcome.SCHEDULED and result.appointment_id
    assert len(world.phone.placed) == 1  # no further dial
    assert await count(database, Appointment) == 1
    assert await count(database, OutboxEmail, template="appointment_confirmation") == 1
    assert await count(database, CrmNote, outcome="scheduled") == 1


async def test_a_booking_in_flight_on_a_call_reported_dropped_is_final_even_with_retries_left(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(Book(wait=False), result=CallResult.DROPPED)
    async with running_world(
        time_env.client, database, lambda _c, _a: script, scheduling=SlowScheduling(database)
    ) as world:
        result = await run(world, task_for(world, max_attempts=3))
    assert result.outcome is Outcome.SCHEDULED
    assert len(world.phone.placed) == 1


async def test_a_hang_up_while_a_callback_is_in_flight_calls_back_instead_of_retrying(
    time_env: WorkflowEnvironment, database: Database
):
    def script(_client: str, attempt: int):
        if attempt == 1:
            return answered_call(AskCallback(timedelta(hours=5), wait=False), result=CallResult.DROPPED)
        return BOOKED

    async with running_world(time_env.client, database, script) as world:
        first = await time_env.get_current_time()
        result = await run(world, task_for(world, max_attempts=1))
    assert result.outcome is Outcome.SCHEDULED
    assert len(world.phone.placed) == 2
    second_dial = world.phone.placed[1].dialled_at
    assert second_dial is not None and second_dial - first >= timedelta(hours=5)
    assert await count(database, Callback, owner="ai") == 1


# --- defect 4: the gate at the moment of dialling ----------------------------------------------


async def _pin_new_york(world: World, db: Database) -> None:
    async with db.session() as session:
        for client_id in world.client_ids:
            row = await session.get(ClientRow, client_id)
            assert row is not None
            row.timezone, row.state = ZONE, "NY"
        await session.commit()


async def _skip_to_local(time_env: WorkflowEnvironment, hour: int, minute: int = 0) -> datetime:
    now = (await time_env.get_current_time()).astimezone(ZoneInfo(ZONE))
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while target <= now or target.weekday() >= 4:  # Mon-Thu: the next morning is a weekday too
        target += timedelta(days=1)
    await time_env.sleep(target - now)
    return target


async def _second_client_queued(
    time_env: WorkflowEnvironment, world: World, campaign_spec: object
) -> WorkflowHandle[CampaignWorkflow, object]:
    """Two clients, dials paced two minutes apart: the first is dialled at once, the second has
    asked for its dial slot and waits in the campaign's queue. The campaign is then paused."""
    handle = await world.client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(campaign_spec),  # type: ignore[arg-type]
        id=campaign_workflow_id("camp-1"),
        task_queue=world.task_queue,
    )
    await progress_when(
        handle,  # type: ignore[arg-type]
        time_env,
        lambda p: p.by_stage.get("waiting_for_dial_slot") == 1 and len(world.phone.placed) == 1,
    )
    await handle.signal(CampaignWorkflow.pause)
    return handle


async def test_a_client_waiting_for_a_dial_slot_past_the_window_is_not_dialled_at_night(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(time_env.client, database, lambda _c, _a: BOOKED, clients=2) as world:
        await _pin_new_york(world, database)
        await _skip_to_local(time_env, 20, 50)
        campaign = spec(max_concurrent_calls=2, dials_per_minute=0.5, window=CallingWindow(8, 21))
        handle = await _second_client_queued(time_env, world, campaign)
        await time_env.sleep(timedelta(hours=2, minutes=10))  # 23:00 in New York
        await handle.signal(CampaignWorkflow.resume)
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert summary.outcomes == {"scheduled": 2}
    assert len(world.phone.placed) == 2
    for placed in world.phone.placed:
        assert placed.dialled_at is not None
        local = placed.dialled_at.astimezone(ZoneInfo(ZONE))
        assert 8 <= local.hour < 21, f"dialled at {local.isoformat()}"


async def test_a_dnc_entry_made_while_waiting_for_a_dial_slot_blocks_the_dial(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(time_env.client, database, lambda _c, _a: BOOKED, clients=2) as world:
        handle = await _second_client_queued(
            time_env, world, spec(max_concurrent_calls=2, dials_per_minute=0.5)
        )
        waiting = next(c for c in world.client_ids if c != world.phone.placed[0].client_id)
        async with database.session() as session:
            row = await session.get(ClientRow, waiting)
            assert row is not None
            await repo.add_dnc(session, row.phone, None, "broker-portal")
        await handle.signal(CampaignWorkflow.resume)
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert summary.outcomes == {"scheduled": 1, "dnc_blocked": 1}
    assert [p.client_id for p in world.phone.placed] == [c for c in world.client_ids if c != waiting]


# --- defect 11 and the recording path: consent ledger, recordings registered --------------------


async def test_recording_consent_and_the_recording_are_kept_outside_the_history(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(RecordingStarted(), Book(), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    sid = world.phone.created[0].sid
    async with database.session() as session:
        [consent] = (
            (await session.execute(select(ConsentRecord).where(ConsentRecord.kind == ConsentKind.RECORDING)))
            .scalars()
            .all()
        )
        [recording] = (await session.execute(select(Recording))).scalars().all()
    assert consent.granted and consent.call_sid == sid and consent.client_id == world.client_ids[0]
    assert recording.call_sid == sid and recording.recording_sid == f"RE{sid[2:]}"
    assert recording.campaign_id == "camp-1"


# --- defect 12: calls this workflow did not place ------------------------------------------------


async def test_signals_and_updates_for_a_call_this_workflow_did_not_place_change_nothing(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(
        time_env.client, database, lambda _c, a: unanswered_call(CallStatus.NO_ANSWER) if a == 1 else BOOKED
    ) as world:
        handle = await start(world, task_for(world, retry=RetryPolicySpec(base_minutes=60)))
        await until_waiting(time_env, handle)
        forged = "CA" + "9" * 32
        await handle.signal(ClientOutreachWorkflow.consent, ConsentEvent(forged, True))
        await handle.signal(ClientOutreachWorkflow.call_ended, CallEnded(forged, CallResult.OPTED_OUT))
        await handle.signal(ClientOutreachWorkflow.opt_out, OptOutRequest(forged))
        await handle.signal(ClientOutreachWorkflow.call_status, CallStatusEvent(forged, CallStatus.ANSWERED))
        refused: list[str] = []
        try:
            when = await time_env.get_current_time() + timedelta(days=1)
            await handle.execute_update(
                ClientOutreachWorkflow.book_appointment, BookAppointmentRequest(forged, when)
            )
        except WorkflowUpdateFailedError as err:
            refused.append(str(err.cause))
        result = await handle.result()
    assert refused and "no call of this workflow" in refused[0]
    assert result.outcome is Outcome.SCHEDULED  # not opted out by a call it never placed
    assert world.phone.hung_up == []  # an unknown sid is not ours to hang up either
    assert await count(database, Appointment) == 1


# --- defect 9: a calendar that is not our database (Calendly) ------------------------------------


class RemoteCalendar:
    """The Scheduling port as Calendly fills it: slots and bookings live at the calendar, which
    writes nothing to our database and names a booking by its own URI."""

    def __init__(self) -> None:
        self.booked: list[datetime] = []

    async def free_slots(self, broker_id: str, start: datetime, days: int) -> list[datetime]:
        first = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return [
            first + timedelta(hours=h)
            for h in range(days * 24)
            if first + timedelta(hours=h) not in self.booked
        ]

    async def available_now(self, broker_id: str, at: datetime) -> bool:
        return False

    async def book(
        self,
        key: str,
        campaign_id: str,
        client_id: str,
        broker_id: str,
        slot_start: datetime,
        product: str,
        call_sid: str,
    ) -> BookedSlot:
        self.booked.append(slot_start)
        return BookedSlot(
            f"https://api.calendly.com/scheduled_events/EV1/invitees/{len(self.booked)}", slot_start, "CAL123"
        )


async def test_a_booking_at_an_outside_calendar_gets_our_appointment_row_and_its_email(
    time_env: WorkflowEnvironment, database: Database
):
    calendar = RemoteCalendar()
    async with running_world(time_env.client, database, lambda _c, _a: BOOKED, scheduling=calendar) as world:

        async def first_remote_slot(_client: str, now: datetime) -> datetime:
            return (await calendar.free_slots("brk", now, 1))[0]

        world.phone.slot_finder = first_remote_slot
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED and result.appointment_id
    async with database.session() as session:
        [appointment] = (await session.execute(select(Appointment))).scalars().all()
    assert appointment.id == result.appointment_id
    assert appointment.external_ref == "https://api.calendly.com/scheduled_events/EV1/invitees/1"
    assert appointment.confirmation_code == "CAL123"
    assert await count(database, OutboxEmail, template="appointment_confirmation") == 1
