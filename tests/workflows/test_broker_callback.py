"""BrokerCallbackWorkflow on the time-skipping test server over real activities: reminder email
before the time, completion by signal, reschedule by validated update, escalation when missed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from db.models import Broker, Callback, CrmTask, OutboxEmail
from db.repositories.outreach import record_callback
from db.session import Database
from domain.ids import broker_callback_workflow_id
from domain.messages import BrokerCallbackResult, BrokerCallbackTask, CallbackCompleted, RescheduleRequest
from tests.workflows.harness import World, running_world
from tests.workflows.test_outreach import count
from workflows.broker_callback import BrokerCallbackWorkflow

CAMPAIGN = "camp-1"
REMINDER = "broker_callback_reminder"
MISSED = "broker_callback_missed"

Handle = WorkflowHandle[BrokerCallbackWorkflow, BrokerCallbackResult]


@asynccontextmanager
async def callback_in(
    time_env: WorkflowEnvironment, database: Database, after: timedelta
) -> AsyncIterator[tuple[World, Handle, datetime]]:
    """A seeded world, a broker-owned callbacks row due `after` from now, and its workflow."""
    async with running_world(time_env.client, database, lambda _c, _a: [], clients=1) as world:
        at = (await time_env.get_current_time()) + after
        client_id, broker_id = world.client_ids[0], world.broker_ids[0]
        async with database.session() as session:
            row, _ = await record_callback(
                session, f"test/{client_id}/callback", CAMPAIGN, client_id, broker_id, at, "broker"
            )
            callback_id = row.id
        handle = await world.client.start_workflow(
            BrokerCallbackWorkflow.run,
            BrokerCallbackTask(callback_id, CAMPAIGN, client_id, broker_id, at),
            id=broker_callback_workflow_id(CAMPAIGN, client_id, 1),
            task_queue=world.task_queue,
        )
        yield world, handle, at


async def status_becomes(handle: Handle, wanted: str) -> None:
    """Poll the status query (time stays locked while polling: no workflow time passes)."""
    seen = ""
    for _ in range(500):
        seen = await handle.query(BrokerCallbackWorkflow.status)
        if seen == wanted:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"status stayed {seen!r}, expected {wanted!r}")


async def emails(database: Database, template: str) -> list[OutboxEmail]:
    async with database.session() as session:
        rows = await session.execute(select(OutboxEmail).where(OutboxEmail.template == template))
        return list(rows.scalars().all())


async def callback_status(database: Database) -> str:
    async with database.session() as session:
        return str((await session.execute(select(Callback.status))).scalar_one())


async def test_reminder_before_the_time_then_completed(time_env: WorkflowEnvironment, database: Database):
    async with callback_in(time_env, database, timedelta(hours=2)) as (world, handle, at):
        assert await handle.query(BrokerCallbackWorkflow.status) == "scheduled"
        assert await emails(database, REMINDER) == []
        await time_env.sleep(timedelta(minutes=95))  # past the reminder (30 min before), not the time
        await status_becomes(handle, "reminded")
        assert await time_env.get_current_time() < at
        reminders = await emails(database, REMINDER)
        async with database.session() as session:
            broker = await session.get(Broker, world.broker_ids[0])
            assert broker is not None
            broker_email = broker.email
        assert [e.to_address for e in reminders] == [broker_email]
        assert world.client_ids[0] in reminders[0].body
        await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted("spoke to the client"))
        result = await handle.result()
    assert result == BrokerCallbackResult(result.callback_id, "completed", 0)
    assert await callback_status(database) == "completed"
    assert await emails(database, MISSED) == []
    assert await count(database, CrmTask) == 0


async def test_completed_before_the_reminder_sends_nothing(time_env: WorkflowEnvironment, database: Database):
    async with callback_in(time_env, database, timedelta(days=1)) as (_world, handle, _at):
        await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted())
        result = await handle.result()
    assert result.status == "completed"
    assert await emails(database, REMINDER) == []
    assert await callback_status(database) == "completed"


async def test_reschedule_moves_the_time_and_the_reminder(time_env: WorkflowEnvironment, database: Database):
    async with callback_in(time_env, database, timedelta(hours=2)) as (_world, handle, at):
        later = at + timedelta(days=1)
        moved = await handle.execute_update(BrokerCallbackWorkflow.reschedule, RescheduleRequest(later))
        assert moved == later
        async with database.session() as session:  # the callbacks row follows the new time
            from db.models import Callback
            from db.repositories.outreach import as_utc

            rows = (await session.execute(select(Callback))).scalars().all()
            assert [as_utc(r.callback_at) for r in rows] == [later]
        await status_becomes(handle, "rescheduled")
        await time_env.sleep(timedelta(hours=3))  # past the original time and its grace period
        assert await handle.query(BrokerCallbackWorkflow.status) == "rescheduled"
        assert await emails(database, REMINDER) == []
        assert await emails(database, MISSED) == []
        await time_env.sleep(timedelta(hours=22, minutes=40))  # 20 minutes before the new time
        await status_becomes(handle, "reminded")
        assert len(await emails(database, REMINDER)) == 1
        await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted())
        result = await handle.result()
    assert (result.status, result.reschedules) == ("completed", 1)
    assert await count(database, CrmTask) == 0


async def test_reschedule_after_the_reminder_reminds_again(time_env: WorkflowEnvironment, database: Database):
    async with callback_in(time_env, database, timedelta(hours=2)) as (_world, handle, at):
        await time_env.sleep(timedelta(minutes=95))
        await status_becomes(handle, "reminded")
        await handle.execute_update(
            BrokerCallbackWorkflow.reschedule, RescheduleRequest(at + timedelta(hours=4))
        )
        await time_env.sleep(timedelta(hours=4))  # 25 minutes before the new time
        await status_becomes(handle, "reminded")
        await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted())
        result = await handle.result()
    assert (result.status, result.reschedules) == ("completed", 1)
    assert len(await emails(database, REMINDER)) == 2  # one per scheduled time, each once
    assert await emails(database, MISSED) == []


@pytest.mark.parametrize(
    ("when", "words"),
    [
        (lambda now: now - timedelta(minutes=1), "in the past"),
        (lambda now: now, "in the past"),
        (lambda now: (now + timedelta(days=1)).replace(tzinfo=None), "time zone"),
    ],
    ids=["past", "now", "naive"],
)
async def test_reschedule_validator_rejects_bad_times(
    time_env: WorkflowEnvironment, database: Database, when: Any, words: str
):
    async with callback_in(time_env, database, timedelta(hours=2)) as (_world, handle, at):
        now = await time_env.get_current_time()
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await handle.execute_update(BrokerCallbackWorkflow.reschedule, RescheduleRequest(when(now)))
        assert words in str(info.value.cause)
        # rejected updates leave no trace: the callback is still due at the original time
        assert await handle.query(BrokerCallbackWorkflow.status) == "scheduled"
        await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted())
        result = await handle.result()
        history = await handle.fetch_history()
    assert result.reschedules == 0
    assert not any(e.HasField("workflow_execution_update_accepted_event_attributes") for e in history.events)


async def test_reschedule_of_a_completed_callback_is_rejected(
    time_env: WorkflowEnvironment, database: Database
):
    async with callback_in(time_env, database, timedelta(hours=2)) as (_world, handle, at):
        await time_env.sleep(timedelta(minutes=95))
        await status_becomes(handle, "reminded")
        await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted())
        # the signal and the update may land in one workflow task: either way no reschedule
        try:
            await handle.execute_update(
                BrokerCallbackWorkflow.reschedule, RescheduleRequest(at + timedelta(days=1))
            )
        except WorkflowUpdateFailedError as err:
            assert "already completed" in str(err.cause)
        except Exception as err:  # the workflow may already have closed
            assert "completed" in str(err).lower() or "not found" in str(err).lower()
        result = await handle.result()
    assert (result.status, result.reschedules) == ("completed", 0)


async def test_missed_callback_escalates_with_email_and_crm_task(
    time_env: WorkflowEnvironment, database: Database
):
    async with callback_in(time_env, database, timedelta(hours=2)) as (world, handle, at):
        result = await handle.result()  # nobody completes it: time skips to the end
        end = await time_env.get_current_time()
    assert result.status == "missed"
    assert await callback_status(database) == "missed"
    assert len(await emails(database, REMINDER)) == 1
    missed = await emails(database, MISSED)
    assert len(missed) == 1 and world.client_ids[0] in missed[0].body
    async with database.session() as session:
        tasks = list((await session.execute(select(CrmTask))).scalars().all())
    assert [(t.client_id, t.broker_id, t.status) for t in tasks] == [
        (world.client_ids[0], world.broker_ids[0], "open")
    ]
    assert tasks[0].due_at.replace(tzinfo=None) == at.replace(tzinfo=None)
    assert end >= at + timedelta(days=2)  # it waited for a late completion before giving up


async def test_completion_after_escalation_still_completes(time_env: WorkflowEnvironment, database: Database):
    async with callback_in(time_env, database, timedelta(hours=2)) as (_world, handle, _at):
        await time_env.sleep(timedelta(hours=3))  # past the time and the 30-minute grace
        await status_becomes(handle, "escalated")
        await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted("called a day late"))
        result = await handle.result()
    assert result.status == "completed"
    assert await callback_status(database) == "completed"
    assert len(await emails(database, MISSED)) == 1
    assert await count(database, CrmTask) == 1
