"""The lean lifecycle (patch `lean-lifecycle`, workflows/outreach_patches.py) on the
time-skipping server over real activities: the short writes to our own database run as local
activities and still write once; the client's search attributes are upserted only when a value
changes, at most once per activation; the last call's dial slot goes back with the finish report,
whose call result still feeds the campaign's breakers. Runs recorded before the change replay
unchanged (tests/workflows/test_replay.py, both generations)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.models import CallAttempt, DncEntry
from db.models_privacy import ConsentRecord
from db.session import Database
from domain.enums import CallResult, CallStatus, ClientStage, Outcome, Stage
from domain.ids import outreach_workflow_id
from domain.messages import CircuitBreakers, RetryPolicySpec
from sim.scripted_phone import Book, EnterStage, OptOut, Step, answered_call, unanswered_call
from tests.workflows.harness import World, running_world
from tests.workflows.test_campaign import CAMPAIGN, SAFETY_NET, scripts, spec, start
from tests.workflows.test_outreach import count, run, task_for
from workflows import search_attributes as sa
from workflows.campaign import CampaignWorkflow
from workflows.client_attributes import ClientAttributes

# Steps that call another service stay regular activities (their queue and retries are the
# server's); everything else a client run does is a local activity.
REMOTE_STEPS = {
    "place_call",
    "hangup_call",
    "transfer_call",
    "book_appointment",
    "send_email",
    "write_crm_outcome",
}
CLIENT_KEYS = {sa.CLIENT_STAGE.name, sa.ATTEMPT.name, sa.NEXT_CALL_AT.name, sa.OUTCOME.name}


async def history_of(world: World, client_id: str, campaign_id: str = "camp-1") -> WorkflowHistory:
    return await world.client.get_workflow_handle(
        outreach_workflow_id(campaign_id, client_id)
    ).fetch_history()


async def run_one(
    env: WorkflowEnvironment, database: Database, script: list[Step]
) -> tuple[Any, WorkflowHistory]:
    """One client's run with the same script on every call: its result and its history."""
    async with running_world(env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
        return result, await history_of(world, world.client_ids[0])


def scheduled_activities(history: WorkflowHistory) -> Counter[str]:
    return Counter(
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )


def local_activity_types(history: WorkflowHistory) -> Counter[str]:
    """Activity types from the SDK core's local-activity markers (their `data` detail)."""
    found: Counter[str] = Counter()
    for e in history.events:
        attrs = e.marker_recorded_event_attributes
        if (
            e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and attrs.marker_name == "core_local_activity"
        ):
            found[json.loads(attrs.details["data"].payloads[0].data)["activity_type"]] += 1
    return found


def client_upserts(history: WorkflowHistory) -> list[dict[str, bytes]]:
    """Each upsert of the client's own attributes, as {key: raw payload} (the SDK's own
    TemporalChangeVersion upserts for patch markers left out)."""
    upserts = []
    for e in history.events:
        if e.event_type != EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            continue
        fields = e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        mine = {key: fields[key].data for key in fields if key in CLIENT_KEYS}
        if mine:
            upserts.append(mine)
    return upserts


async def test_short_writes_run_as_local_activities_and_write_once(
    time_env: WorkflowEnvironment, database: Database
):
    booked = answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)
    result, history = await run_one(time_env, database, booked)
    assert result.outcome is Outcome.SCHEDULED
    regular = scheduled_activities(history)
    assert set(regular) <= REMOTE_STEPS, regular
    assert regular["place_call"] == 1 and regular["write_crm_outcome"] == 1
    local = local_activity_types(history)
    assert local["record_attempt_result"] == 1 and local["record_recording_consent"] == 1
    assert await count(database, CallAttempt, status="ended") == 1
    assert await count(database, ConsentRecord) == 1


async def test_an_opt_out_goes_on_the_dnc_list_by_a_local_activity(
    time_env: WorkflowEnvironment, database: Database
):
    opts_out = answered_call(EnterStage(Stage.PRESENT), OptOut(), result=CallResult.OPTED_OUT)
    result, history = await run_one(time_env, database, opts_out)
    assert result.outcome is Outcome.OPTED_OUT
    assert local_activity_types(history)["add_to_dnc"] == 1
    assert "add_to_dnc" not in scheduled_activities(history)
    assert await count(database, DncEntry) == 1


async def test_search_attributes_are_upserted_only_when_a_value_changes(
    time_env: WorkflowEnvironment, database: Database
):
    """Two unanswered calls then a booking: many stage moves, and no upsert repeats a value."""

    def script(_client: str, attempt: int) -> list[Step]:
        if attempt < 3:
            return unanswered_call(CallStatus.NO_ANSWER)
        return answered_call(Book(), result=CallResult.SCHEDULED)

    async with running_world(time_env.client, database, script) as world:
        result = await run(world, task_for(world))
        history = await history_of(world, world.client_ids[0])
    assert result.outcome is Outcome.SCHEDULED and result.attempts == 3
    last: dict[str, bytes] = {}
    upserts = client_upserts(history)
    assert upserts
    for upsert in upserts:
        for key, value in upsert.items():
            assert last.get(key) != value, f"{key} upserted again with an unchanged value"
            last[key] = value
    # What the upserts leave behind (the time-skipping server cannot describe an unset datetime).
    assert json.loads(last[sa.CLIENT_STAGE.name]) == ClientStage.DONE.value
    assert json.loads(last[sa.OUTCOME.name]) == Outcome.SCHEDULED.value
    assert json.loads(last[sa.ATTEMPT.name]) == 3


@workflow.defn(name="AttributesProbe", sandboxed=False)
class AttributesProbe:
    """Moves the stage twice in one activation, then sets an unchanged value, then a new one."""

    @workflow.run
    async def run(self, coalesce: bool) -> None:
        attrs = ClientAttributes()
        attrs.set([(sa.CLIENT_STAGE, "screening")], coalesce=coalesce)
        attrs.set([(sa.CLIENT_STAGE, "dialing"), (sa.ATTEMPT, 1)], coalesce=coalesce)
        await workflow.sleep(timedelta(seconds=1))
        attrs.set([(sa.CLIENT_STAGE, "dialing"), (sa.ATTEMPT, 1)], coalesce=coalesce)
        await workflow.sleep(timedelta(seconds=1))
        attrs.set([(sa.CLIENT_STAGE, "done"), (sa.NEXT_CALL_AT, None)], coalesce=coalesce)
        attrs.flush()


async def _probe_upserts(env: WorkflowEnvironment, coalesce: bool) -> list[dict[str, bytes]]:
    queue = f"probe-{coalesce}"
    async with Worker(env.client, task_queue=queue, workflows=[AttributesProbe]):
        handle = await env.client.start_workflow(
            AttributesProbe.run, coalesce, id=f"probe-{coalesce}", task_queue=queue
        )
        await asyncio.wait_for(handle.result(), SAFETY_NET)
        return client_upserts(await handle.fetch_history())


async def test_client_attributes_coalesce_one_activation_and_skip_unchanged_values(
    time_env: WorkflowEnvironment,
):
    coalesced = await _probe_upserts(time_env, coalesce=True)
    assert [sorted(u) for u in coalesced] == [["Attempt", "ClientStage"], ["ClientStage"]]
    assert json.loads(coalesced[0]["ClientStage"]) == "dialing"  # the activation's last value
    assert json.loads(coalesced[1]["ClientStage"]) == "done"  # NextCallAt never set: no unset
    # Runs recorded before the change upsert every set at once, as they did.
    assert len(await _probe_upserts(time_env, coalesce=False)) == 4


async def test_the_last_calls_slot_goes_back_with_the_finish_report(
    time_env: WorkflowEnvironment, database: Database
):
    """One release signal per call that is not the last, none for the last: the finish report
    frees the slot (the campaign completes with every client counted and the cap kept)."""

    def script(client_id: str, attempt: int) -> list[Step]:
        if client_id == "cli-1-00000" and attempt == 1:  # no answer, then a decline
            return unanswered_call(CallStatus.NO_ANSWER)
        return answered_call(EnterStage(Stage.PRESENT), result=CallResult.DECLINED)

    quick_retry = spec(retry=RetryPolicySpec(base_minutes=1, multiplier=1.0, max_minutes=1))
    async with running_world(time_env.client, database, script, clients=3) as world:
        handle = await start(world, quick_retry)
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
        sent: dict[str, list[str]] = {}
        for client_id in world.client_ids:
            history = await history_of(world, client_id, CAMPAIGN)
            sent[client_id] = [
                e.signal_external_workflow_execution_initiated_event_attributes.signal_name
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
            ]
    assert summary.outcomes == {"declined": 3}
    assert sent["cli-1-00000"] == ["request_dial", "release_dial", "request_dial", "client_finished"]
    assert sent["cli-1-00001"] == ["request_dial", "client_finished"]
    assert sent["cli-1-00002"] == ["request_dial", "client_finished"]


async def test_opt_outs_reported_with_the_last_slot_still_trip_the_breaker(
    time_env: WorkflowEnvironment, database: Database
):
    """Every opt-out is a last call, so its result reaches the breakers only by the finish
    report: the breaker must still see them all."""
    opts_out = answered_call(EnterStage(Stage.PRESENT), OptOut(), result=CallResult.OPTED_OUT)
    breakers = CircuitBreakers(window_calls=3, min_calls=3, max_opt_out_rate=0.5)
    async with running_world(time_env.client, database, scripts({}, opts_out), clients=4) as world:
        handle = await start(world, spec(max_concurrent_calls=1, breakers=breakers))
        for _ in range(500):
            progress = await handle.query(CampaignWorkflow.progress)
            if progress.paused:
                break
            await asyncio.sleep(0.02)
        assert progress.paused and "opt-out rate 100% over the last 3 calls" in progress.paused_because
        assert len(world.phone.placed) == 3
        async with database.session() as session:
            dnc = (await session.execute(select(DncEntry.client_id))).scalars().all()
        assert len(dnc) == 3
        await handle.signal(CampaignWorkflow.cancel)
        await asyncio.wait_for(handle.result(), SAFETY_NET)
