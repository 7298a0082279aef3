"""At a client run's end, only the callback its outcome stands on stays open (patch
`close-stray-callbacks`). Tried where it breaks: a callback asked for and then outweighed by an
opt-out in the same call; the broker's own callback workflow after such an opt-out; a callback
row a lost workflow task's local activity left behind (the opt-out winning the retried task); an
AI callback that was honoured. Time-skipping server, real activities, a fresh database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from db.models import Callback, DncEntry
from db.repositories.outreach import record_callback
from db.session import Database
from domain.enums import CallbackOwner, CallResult, Outcome, Stage
from domain.ids import idempotency_key, outreach_workflow_id
from sim.scripted_phone import AskCallback, Book, EnterStage, OptOut, answered_call
from tests.workflows.harness import running_world
from tests.workflows.test_outreach import count, run, task_for
from workflows.broker_callback import BrokerCallbackWorkflow

CAMPAIGN = "camp-1"
BOOKED = answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)


async def statuses(db: Database) -> dict[str, str]:
    """Each callback row's owner and status, as {owner: status} (one row per owner here)."""
    async with db.session() as session:
        rows = (await session.execute(select(Callback))).scalars().all()
    return {row.owner: row.status for row in rows}


async def test_a_callback_then_an_opt_out_in_the_same_call_leaves_no_open_callback(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(AskCallback(timedelta(hours=5)), OptOut(), result=CallResult.OPTED_OUT)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.OPTED_OUT
    assert await statuses(database) == {"ai": "cancelled"}
    assert await count(database, DncEntry) == 1


async def test_an_opt_out_after_a_broker_callback_cancels_the_brokers_callback_workflow(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(
        AskCallback(timedelta(hours=5), owner=CallbackOwner.BROKER), OptOut(), result=CallResult.OPTED_OUT
    )
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
        history = await world.client.get_workflow_handle(
            outreach_workflow_id(CAMPAIGN, world.client_ids[0])
        ).fetch_history()
        started = [
            e.start_child_workflow_execution_initiated_event_attributes.workflow_id
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
        ]
        assert len(started) == 1 and started[0].startswith("broker-callback:"), started
        broker_result = await world.client.get_workflow_handle_for(
            BrokerCallbackWorkflow.run, started[0]
        ).result()
    assert result.outcome is Outcome.OPTED_OUT
    assert broker_result.status == "cancelled", (
        "the broker would still be reminded to call an opted-out client"
    )
    assert await statuses(database) == {"broker": "cancelled"}


async def test_a_callback_row_a_lost_workflow_task_left_is_cancelled_when_the_opt_out_wins(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(OptOut(), result=CallResult.OPTED_OUT)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        client_id = world.client_ids[0]
        # What record_callback (a local activity) wrote in a workflow task that was then lost:
        # the row is in the database, the run's history knows nothing of it.
        key = idempotency_key(outreach_workflow_id(CAMPAIGN, client_id), "callback-1-broker")
        now = await time_env.get_current_time()
        async with database.session() as session:
            await record_callback(
                session, key, CAMPAIGN, client_id, world.broker_ids[0], now + timedelta(days=1), "broker"
            )
        # Another client's row (another workflow's key) is not this run's to close.
        other = idempotency_key(outreach_workflow_id(CAMPAIGN, "cli-someone-else"), "callback-1-ai")
        async with database.session() as session:
            await record_callback(
                session,
                other,
                CAMPAIGN,
                "cli-someone-else",
                world.broker_ids[0],
                now + timedelta(days=1),
                "ai",
            )
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.OPTED_OUT
    assert await statuses(database) == {"broker": "cancelled", "ai": "scheduled"}


async def test_the_broker_callback_the_outcome_stands_on_stays_open(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(
        AskCallback(timedelta(hours=5), owner=CallbackOwner.BROKER), result=CallResult.CALLBACK_REQUESTED
    )
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.CALLBACK_SCHEDULED
    assert await statuses(database) == {"broker": "scheduled"}


async def test_an_ai_callback_honoured_by_a_later_call_is_closed_when_the_run_ends(
    time_env: WorkflowEnvironment, database: Database
):
    def script(_client: str, attempt: int):
        if attempt == 1:
            return answered_call(AskCallback(timedelta(hours=5)), result=CallResult.CALLBACK_REQUESTED)
        return BOOKED

    async with running_world(time_env.client, database, script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    assert await statuses(database) == {"ai": "closed"}
