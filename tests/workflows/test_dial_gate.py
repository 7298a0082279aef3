"""The compliance gate as the workflow's dial gate (time-skipping server, real activities, fresh DB):
evaluated before every attempt and retry, deferring a dial to the instant the rules allow, blocking
for good on a suppressed number, and leaving its inputs and decision in the workflow history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from db.models import Client as ClientRow
from db.models_privacy import ConsentKind
from db.repositories.consent import import_national_dnc, record_consent
from db.session import Database
from domain.enums import CallResult, CallStatus, Outcome
from domain.ids import outreach_workflow_id
from domain.messages import ClientTask, DialGateDecision, FrequencyCaps, PlaceCallResult
from sim.scripted_phone import Book, answered_call, unanswered_call
from tests.workflows.harness import World, running_world
from tests.workflows.test_outreach import task_for
from workflows.outreach import ClientOutreachWorkflow

ZONE = "America/New_York"


async def _pin_client(world: World, db: Database, state: str = "NY") -> str:
    """A client in New York state: federal hours only, so the expected instants are exact."""
    client_id = world.client_ids[0]
    async with db.session() as session:
        row = await session.get(ClientRow, client_id)
        assert row is not None
        row.timezone, row.state = ZONE, state
        await session.commit()
    return client_id


async def _skip_to_local(time_env: WorkflowEnvironment, hour: int) -> datetime:
    """Advance the test server's clock to the next `hour`:00 in New York on a weekday."""
    now = (await time_env.get_current_time()).astimezone(ZoneInfo(ZONE))
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    while target <= now or target.weekday() >= 5:
        target += timedelta(days=1)
    await time_env.sleep(target - now)
    return target


async def _start(world: World, task: ClientTask) -> WorkflowHandle:
    return await world.client.start_workflow(
        ClientOutreachWorkflow.run,
        task,
        id=outreach_workflow_id(task.campaign_id, task.client_id),
        task_queue=world.task_queue,
    )


async def _gate_decisions(world: World, handle: WorkflowHandle) -> list[DialGateDecision]:
    """Every gate decision recorded in the history (place_call judges the gate at the moment
    of dialling and returns it), decoded through the client's codec."""
    scheduled: set[int] = set()
    decisions: list[DialGateDecision] = []
    async for event in handle.fetch_history_events():
        if event.event_type is EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            if event.activity_task_scheduled_event_attributes.activity_type.name == "place_call":
                scheduled.add(event.event_id)
        elif event.event_type is EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = event.activity_task_completed_event_attributes
            if attrs.scheduled_event_id in scheduled:
                [placed] = await world.client.data_converter.decode(attrs.result.payloads, [PlaceCallResult])
                if placed.gate is not None:
                    decisions.append(placed.gate)
    return decisions


async def test_daily_cap_defers_the_retry_to_the_next_local_morning(
    time_env: WorkflowEnvironment, database: Database
):
    booked = answered_call(Book(), result=CallResult.SCHEDULED)

    def script(_client: str, attempt: int):
        return unanswered_call(CallStatus.NO_ANSWER) if attempt == 1 else booked

    async with running_world(time_env.client, database, script) as world:
        await _pin_client(world, database)
        start = await _skip_to_local(time_env, 10)
        task = task_for(world, caps=FrequencyCaps(per_day=1, per_week=5, per_campaign=5))
        handle = await _start(world, task)
        result = await handle.result()
        decisions = await _gate_decisions(world, handle)
        end = await time_env.get_current_time()
    assert result.outcome is Outcome.SCHEDULED and len(world.phone.placed) == 2
    first, deferred, second = decisions
    assert first.allowed and first.inputs["caps"] == "day=1 week=5 campaign=5"
    assert not deferred.allowed and deferred.blocked_outcome is None
    assert deferred.checks["daily_cap"] is False and "daily_cap" in deferred.reason
    next_morning = (start + timedelta(days=1)).replace(hour=8)
    assert deferred.retry_at is not None
    assert deferred.retry_at.astimezone(ZoneInfo(ZONE)).date() == next_morning.date()
    assert deferred.retry_at.astimezone(ZoneInfo(ZONE)).hour == 8
    assert second.allowed and second.inputs["recent_attempts"] != ""
    assert end >= deferred.retry_at


async def test_outside_state_hours_waits_then_dials(time_env: WorkflowEnvironment, database: Database):
    booked = answered_call(Book(), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: booked) as world:
        await _pin_client(world, database, state="WA")  # Washington: 8:00-20:00
        await _skip_to_local(time_env, 20)  # the campaign window (0-24) is open, the state's is not
        task = task_for(world)
        handle = await _start(world, task)
        result = await handle.result()
        decisions = await _gate_decisions(world, handle)
    assert result.outcome is Outcome.SCHEDULED
    deferred, allowed = decisions
    assert deferred.checks["state_hours"] is False and deferred.inputs["client_state"] == "WA"
    assert deferred.retry_at is not None and deferred.retry_at.astimezone(ZoneInfo(ZONE)).hour == 8
    assert allowed.allowed and allowed.inputs["state_rules_waiver"] == ""


async def test_national_dnc_without_consent_blocks_before_any_dial(
    time_env: WorkflowEnvironment, database: Database, tmp_path: Path
):
    booked = answered_call(Book(), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: booked, clients=2) as world:
        await _skip_to_local(time_env, 10)
        async with database.session() as session:
            rows = [await session.get(ClientRow, cid) for cid in world.client_ids]
            for row in rows:
                assert row is not None
                row.timezone, row.state = ZONE, "NY"
            phones = [row.phone for row in rows if row is not None]
            # the second client gave express written consent, which lifts the national DNC
            await record_consent(
                session,
                idempotency_key="test-consent",
                client_id=world.client_ids[1],
                kind=ConsentKind.MARKETING,
                granted=True,
                method="written",
                recorded_by="test",
                at=datetime.now(UTC) - timedelta(days=1),
            )
            await session.commit()
        registry = tmp_path / "national.txt"
        registry.write_text("\n".join(phones) + "\n")
        await import_national_dnc(database, registry)

        blocked = task_for(world)
        consented = task_for(world, client_id=world.client_ids[1])
        handles = []
        for task in (blocked, consented):
            handles.append(await _start(world, task))
        results = [await h.result() for h in handles]
        decisions = [await _gate_decisions(world, h) for h in handles]
    assert results[0].outcome is Outcome.DNC_BLOCKED and results[0].attempts == 0
    assert results[1].outcome is Outcome.SCHEDULED
    assert [p.client_id for p in world.phone.placed] == [world.client_ids[1]]
    [refusal] = decisions[0]
    assert refusal.checks["national_dnc_clear"] is False and refusal.inputs["national_dnc"] == "true"
    assert refusal.inputs["marketing_consent"] == "none"
    assert decisions[1][0].allowed and decisions[1][0].inputs["marketing_consent"] == "true"
