"""ClientOutreachWorkflow branches on the time-skipping test server, over real activities and a
fresh database, with the scripted phone sending the same signals/updates as api + media server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from db.models import Appointment, CallAttempt, Callback, CrmNote, DncEntry, OutboxEmail
from db.session import Database
from domain.enums import CallbackOwner, CallResult, CallStatus, Outcome, Stage
from domain.ids import outreach_workflow_id
from domain.messages import CallingWindow, ClientTask, RetryPolicySpec
from sim.scripted_phone import (
    AskCallback,
    AskTransfer,
    Book,
    EnterStage,
    OptOut,
    answered_call,
    unanswered_call,
)
from tests.workflows.harness import World, running_world
from workflows.outreach import ClientOutreachWorkflow

ALWAYS_OPEN = CallingWindow(start_hour=0, end_hour=24)


def task_for(world: World, **overrides: object) -> ClientTask:
    base = dict(
        campaign_id="camp-1",
        client_id=world.client_ids[0],
        broker_id=world.broker_ids[0],
        max_attempts=3,
        window=ALWAYS_OPEN,
        retry=RetryPolicySpec(base_minutes=60, multiplier=2.0, max_minutes=600),
    )
    base.update(overrides)
    return ClientTask(**base)  # type: ignore[arg-type]


async def run(world: World, task: ClientTask):
    return await world.client.execute_workflow(
        ClientOutreachWorkflow.run,
        task,
        id=outreach_workflow_id(task.campaign_id, task.client_id),
        task_queue=world.task_queue,
    )


async def count(db: Database, model: type, **where: object) -> int:
    async with db.session() as session:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return int((await session.execute(stmt)).scalar_one())


async def test_agreeable_client_is_booked_with_crm_and_email_once(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(
        EnterStage(Stage.VERIFY), EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED
    )
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    assert result.appointment_id
    assert await count(database, Appointment) == 1
    assert await count(database, OutboxEmail, template="appointment_confirmation") == 1
    assert await count(database, CrmNote, outcome="scheduled") == 1
    assert await count(database, CallAttempt) == 1
    assert world.phone.update_errors == []


async def test_no_answer_retries_with_backoff_then_gives_up(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(
        time_env.client, database, lambda _c, _a: unanswered_call(CallStatus.NO_ANSWER)
    ) as world:
        start = await time_env.get_current_time()
        result = await run(world, task_for(world, max_attempts=3))
        end = await time_env.get_current_time()
    assert result.outcome is Outcome.NO_ANSWER
    assert result.attempts == 3
    assert len(world.phone.placed) == 3
    # backoff 60 min after the first, 120 after the second
    assert end - start >= timedelta(minutes=180)
    assert await count(database, CallAttempt) == 3


async def test_busy_then_answer_books_on_second_attempt(time_env: WorkflowEnvironment, database: Database):
    booked = answered_call(Book(), result=CallResult.SCHEDULED)

    def script(_client: str, attempt: int):
        return unanswered_call(CallStatus.BUSY) if attempt == 1 else booked

    async with running_world(time_env.client, database, script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    assert result.attempts == 2


async def test_opt_out_adds_dnc_and_never_dials_again(time_env: WorkflowEnvironment, database: Database):
    script = answered_call(EnterStage(Stage.PRESENT), OptOut(), result=CallResult.OPTED_OUT)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
        assert result.outcome is Outcome.OPTED_OUT
        assert await count(database, DncEntry) == 1
        assert await count(database, CrmNote, outcome="opted_out") == 1
        # a second outreach in another campaign is blocked at screening, before any dial
        again = await run(world, task_for(world, campaign_id="camp-2"))
    assert again.outcome is Outcome.DNC_BLOCKED
    assert len(world.phone.placed) == 1


async def test_opt_out_cancels_a_pending_retry(time_env: WorkflowEnvironment, database: Database):
    async with running_world(
        time_env.client, database, lambda _c, _a: unanswered_call(CallStatus.NO_ANSWER)
    ) as world:
        task = task_for(world, retry=RetryPolicySpec(base_minutes=24 * 60, max_minutes=24 * 60))
        handle = await world.client.start_workflow(
            ClientOutreachWorkflow.run,
            task,
            id=outreach_workflow_id(task.campaign_id, task.client_id),
            task_queue=world.task_queue,
        )
        # wait (without skipping time) until the first attempt is over and a retry is pending
        for _ in range(200):
            status = await handle.query(ClientOutreachWorkflow.status)
            if status.next_call_at is not None:
                break
            await time_env.sleep(1)
        assert status.next_call_at is not None
        from domain.messages import OptOutRequest

        await handle.signal(ClientOutreachWorkflow.opt_out, OptOutRequest(call_sid="", source="sms-stop"))
        result = await handle.result()
    assert result.outcome is Outcome.OPTED_OUT
    assert len(world.phone.placed) == 1
    assert await count(database, DncEntry) == 1


async def test_ai_callback_timer_then_dials_again(time_env: WorkflowEnvironment, database: Database):
    def script(_client: str, attempt: int):
        if attempt == 1:
            return answered_call(AskCallback(timedelta(hours=26)), result=CallResult.CALLBACK_REQUESTED)
        return answered_call(Book(), result=CallResult.SCHEDULED)

    async with running_world(time_env.client, database, script) as world:
        start = await time_env.get_current_time()
        result = await run(world, task_for(world))
        end = await time_env.get_current_time()
    assert result.outcome is Outcome.SCHEDULED
    assert len(world.phone.placed) == 2
    assert end - start >= timedelta(hours=26)
    assert await count(database, Callback, owner="ai") == 1


async def test_transfer_when_broker_unavailable_books_a_broker_callback(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(AskTransfer(), result=CallResult.TRANSFER_REQUESTED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        async with database.session() as session:  # the broker works no hours at all
            from db.models import Broker

            broker = await session.get(Broker, world.broker_ids[0])
            assert broker is not None
            broker.work_start_hour, broker.work_end_hour = 0, 0
            await session.commit()
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.CALLBACK_SCHEDULED
    assert await count(database, Callback, owner="broker") == 1


async def test_transfer_when_broker_available_transfers(time_env: WorkflowEnvironment, database: Database):
    script = answered_call(AskTransfer(), result=CallResult.TRANSFER_REQUESTED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.TRANSFERRED


async def test_broker_callback_requested_in_call_is_terminal(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(
        AskCallback(timedelta(hours=3), CallbackOwner.BROKER), result=CallResult.CALLBACK_REQUESTED
    )
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.CALLBACK_SCHEDULED
    assert len(world.phone.placed) == 1


async def test_booking_a_taken_slot_is_rejected_by_the_validator(
    time_env: WorkflowEnvironment, database: Database
):
    from datetime import UTC, datetime

    taken = datetime(2001, 1, 1, 15, tzinfo=UTC)  # not a slot the broker offers
    script = answered_call(Book(slot=taken), result=CallResult.DECLINED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.DECLINED
    assert any("not free" in e for e in world.phone.update_errors)
    assert await count(database, Appointment) == 0


async def test_consent_denied_ends_without_retry(time_env: WorkflowEnvironment, database: Database):
    from sim.scripted_phone import Consent, Status

    script = [
        Status(CallStatus.RINGING),
        Status(CallStatus.ANSWERED),
        Consent(False),
        Status(CallStatus.COMPLETED),
    ]
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world, call_end_grace_seconds=5))
    assert result.outcome is Outcome.CONSENT_DENIED
    assert len(world.phone.placed) == 1


async def _grace_timers(world: World, task: ClientTask) -> int:
    """Timers in the client's history as long as the call-end grace."""
    from temporalio.api.enums.v1 import EventType

    handle = world.client.get_workflow_handle(outreach_workflow_id(task.campaign_id, task.client_id))
    history = await handle.fetch_history()
    grace = timedelta(seconds=task.call_end_grace_seconds)
    return sum(
        1
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
        and event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta() == grace
    )


@pytest.mark.parametrize(
    ("consent", "machine", "waits"),
    [(False, False, False), (None, True, False), (True, False, True), (None, False, True)],
    ids=["consent-denied", "machine-no-consent", "consent-given", "hung-up-before-consent"],
)
async def test_the_end_report_grace_applies_only_where_a_stream_was_possible(
    time_env: WorkflowEnvironment, database: Database, consent: bool | None, machine: bool, waits: bool
):
    """Consent denied gets goodbye TwiML and a machine the voicemail TwiML: no media stream,
    so no end report can come, and waiting the grace would only hold the dial slot."""
    from sim.scripted_phone import Consent, Status

    steps: list[object] = [Status(CallStatus.MACHINE if machine else CallStatus.ANSWERED)]
    if consent is not None:
        steps.append(Consent(consent))
    steps.append(Status(CallStatus.COMPLETED))
    async with running_world(time_env.client, database, lambda _c, _a: steps) as world:
        task = task_for(world, call_end_grace_seconds=417, max_attempts=1)
        await run(world, task)
        assert await _grace_timers(world, task) == (1 if waits else 0)


@pytest.mark.parametrize(
    ("method", "amd_first", "outcome", "attempts"),
    [
        ("unclear", False, Outcome.SCHEDULED, 2),  # AMD's verdict trailed the consent prompt
        ("unclear", True, Outcome.SCHEDULED, 2),
        ("dtmf", False, Outcome.CONSENT_DENIED, 1),  # someone pressed "no": that stands
        ("speech", True, Outcome.CONSENT_DENIED, 1),
    ],
    ids=["unclear-then-machine", "machine-then-unclear", "pressed-no", "said-no"],
)
async def test_a_machine_that_met_the_consent_prompt_is_voicemail_not_a_refusal(
    time_env: WorkflowEnvironment,
    database: Database,
    method: str,
    amd_first: bool,
    outcome: Outcome,
    attempts: int,
):
    """Consent denied is final for the campaign; a machine cannot refuse. Only a refusal that
    was no clear answer yields to the carrier's machine verdict."""
    from sim.scripted_phone import Consent, Status

    refused, machine = Consent(False, method), Status(CallStatus.MACHINE)
    greeted = [Status(CallStatus.ANSWERED), *((machine, refused) if amd_first else (refused, machine))]
    first = [*greeted, Status(CallStatus.COMPLETED)]

    def script(_client: str, attempt: int):
        return first if attempt == 1 else answered_call(Book(), result=CallResult.SCHEDULED)

    async with running_world(time_env.client, database, script) as world:
        task = task_for(world, max_attempts=2)
        result = await run(world, task)
        history = await world.client.get_workflow_handle(
            outreach_workflow_id(task.campaign_id, task.client_id)
        ).fetch_history()
    assert (result.outcome, result.attempts) == (outcome, attempts)
    # The patched branch replays (strict sandbox), marker and all; only the changed verdicts mark it.
    marked = any(b"machine-over-unclear-consent" in e.SerializeToString() for e in history.events)
    assert marked is (method == "unclear")
    replayer = Replayer(workflows=[ClientOutreachWorkflow], data_converter=time_env.client.data_converter)
    assert (await replayer.replay_workflow(history)).replay_failure is None


async def test_media_server_death_is_noticed_and_retried(time_env: WorkflowEnvironment, database: Database):
    from sim.scripted_phone import Consent, Status

    dropped = [Status(CallStatus.ANSWERED), Consent(True), Status(CallStatus.COMPLETED)]  # no call_ended ever

    def script(_client: str, attempt: int):
        return dropped if attempt == 1 else answered_call(Book(), result=CallResult.SCHEDULED)

    async with running_world(time_env.client, database, script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    assert result.attempts == 2


async def test_waits_for_the_calling_window_in_the_client_time_zone(
    time_env: WorkflowEnvironment, database: Database
):
    from domain.calling_window import next_window_open

    booked = answered_call(Book(), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: booked) as world:
        now = await time_env.get_current_time()
        # a one-hour window that is closed right now in New York and inside the federal 8-21 hours
        # (the dial gate intersects the campaign window with them)
        from zoneinfo import ZoneInfo

        local_hour = now.astimezone(ZoneInfo("America/New_York")).hour
        start = 10 if local_hour != 10 else 14
        window = CallingWindow(start_hour=start, end_hour=start + 1, weekdays_only=True)
        async with database.session() as session:
            from db.models import Client as ClientRow

            row = await session.get(ClientRow, world.client_ids[0])
            assert row is not None
            row.timezone = "America/New_York"
            row.state = "NY"  # federal hours only: no state holiday rule can move the window
            await session.commit()
        task = task_for(world, window=window)
        handle = await world.client.start_workflow(
            ClientOutreachWorkflow.run,
            task,
            id=outreach_workflow_id(task.campaign_id, task.client_id),
            task_queue=world.task_queue,
        )
        expected = next_window_open(now, "America/New_York", window)
        for _ in range(100):
            status = await handle.query(ClientOutreachWorkflow.status)
            if status.next_call_at is not None:
                break
            await time_env.sleep(1)
        assert status.next_call_at is not None
        assert abs((status.next_call_at - expected).total_seconds()) < 120
        assert expected.astimezone(ZoneInfo("America/New_York")).weekday() < 5
        result = await handle.result()
        end = await time_env.get_current_time()
    assert result.outcome is Outcome.SCHEDULED
    assert end >= expected


async def test_unknown_client_fails_with_a_clear_error(time_env: WorkflowEnvironment, database: Database):
    async with running_world(time_env.client, database, lambda _c, _a: []) as world:
        task = task_for(world, client_id="cli-does-not-exist")
        with pytest.raises(WorkflowFailureError) as info:
            await run(world, task)
    assert "unknown client" in str(info.value.cause.cause)


async def test_transfer_where_broker_does_not_answer_books_a_callback(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(AskTransfer(broker_answers=False), result=CallResult.TRANSFER_REQUESTED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.CALLBACK_SCHEDULED
    assert await count(database, Callback, owner="broker") == 1


async def test_repeated_callback_requests_hand_over_to_the_broker(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(AskCallback(timedelta(hours=2)), result=CallResult.CALLBACK_REQUESTED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.CALLBACK_SCHEDULED
    assert len(world.phone.placed) == 3  # the first call and two AI callbacks
    assert await count(database, Callback, owner="broker") == 1


async def test_a_transferred_call_is_transferred_even_if_the_stream_reports_a_drop(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(AskTransfer(), result=CallResult.DROPPED)  # the redirect ended the media stream
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.TRANSFERRED
    assert len(world.phone.placed) == 1


async def test_an_invalid_phone_number_ends_as_failed_without_a_dial(
    time_env: WorkflowEnvironment, database: Database
):
    from db.models import Client as ClientRow

    script = answered_call(Book(), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        async with database.session() as session:
            row = await session.get(ClientRow, world.client_ids[0])
            assert row is not None
            row.phone = "+1 555"
            await session.commit()
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.FAILED
    assert world.phone.placed == []
    assert await count(database, CallAttempt) == 0
    assert await count(database, CrmNote, outcome="failed") == 1


async def test_what_a_call_consumed_is_kept_on_its_attempt(time_env: WorkflowEnvironment, database: Database):
    from domain.messages import CallUsage
    from sim.scripted_phone import End, Status

    usage = CallUsage(stt_audio_seconds=41.5, llm_input_tokens=900, llm_output_tokens=120, tts_characters=640)
    script = [
        *answered_call(Book(), result=CallResult.SCHEDULED)[:-2],
        End(CallResult.SCHEDULED, usage=usage),
        Status(CallStatus.COMPLETED),
    ]
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    async with database.session() as session:
        [attempt] = (await session.execute(select(CallAttempt))).scalars().all()
    assert attempt.status == "ended" and attempt.result == "scheduled"
    assert (attempt.stt_audio_seconds, attempt.llm_input_tokens, attempt.llm_output_tokens) == (
        41.5,
        900,
        120,
    )
    assert attempt.tts_characters == 640


async def test_screening_and_slot_reads_run_as_local_activities(
    time_env: WorkflowEnvironment, database: Database
):
    """New runs read screening and slots in the workflow task (no activity task round trip);
    the replay test keeps older runs, recorded with regular activities, replaying."""
    from temporalio.api.enums.v1 import EventType

    booked = answered_call(Book(), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: booked) as world:
        task = task_for(world)
        result = await run(world, task)
        history = await world.client.get_workflow_handle(
            outreach_workflow_id(task.campaign_id, task.client_id)
        ).fetch_history()
    assert result.outcome is Outcome.SCHEDULED
    scheduled = {
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    }
    assert "place_call" in scheduled
    assert not scheduled & {"screen_client", "list_free_slots"}
    markers = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    assert len(markers) >= 3  # the patch marker, the screening and the slot read
