"""Promise: recordings older than the retention period are deleted at the provider and in the
database (newer ones are kept), each deletion is logged and audited without PHI, a provider
failure leaves the row for the next run, and a daily Temporal Schedule runs the workflow."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.retention import RetentionActivities
from db.models_privacy import Recording
from db.repositories import audit
from db.repositories.recordings import save_recording
from db.session import Database
from domain.messages import RetentionInput
from security.keyring import KeyRing
from security.payload_codec import data_converter
from tests.conftest import start_dev_env, start_test_env
from workflows.retention import (
    RETENTION_SCHEDULE_ID,
    RecordingRetentionWorkflow,
    ensure_retention_schedule,
)

ROOT = Path(__file__).resolve().parents[2]


class FakeTwilio:
    """Speaks the telephony Protocol; RE_broken always fails, RE_flaky fails once."""

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.calls: dict[str, int] = {}

    async def delete_recording(self, recording_sid: str) -> None:
        self.calls[recording_sid] = self.calls.get(recording_sid, 0) + 1
        if recording_sid == "RE_broken":
            raise ApplicationError("provider refused", non_retryable=True)
        if recording_sid == "RE_flaky" and self.calls[recording_sid] == 1:
            raise RuntimeError("provider 503")
        self.deleted.append(recording_sid)


async def _seed(database: Database, now: datetime) -> None:
    ages = {"RE_old1": 200, "RE_old2": 91, "RE_flaky": 120, "RE_broken": 95, "RE_new": 10, "RE_edge": 89}
    async with database.session() as s:
        for sid, days in ages.items():
            await save_recording(
                s,
                recording_sid=sid,
                call_sid=f"CA{sid}",
                client_id="c1",
                campaign_id="camp",
                created_at=now - timedelta(days=days),
            )
        assert not await save_recording(
            s, recording_sid="RE_new", call_sid="x", client_id="c1", campaign_id="camp", created_at=now
        )
        await s.commit()


async def _remaining(database: Database) -> set[str]:
    async with database.session() as s:
        return set((await s.execute(select(Recording.recording_sid))).scalars().all())


@pytest.fixture
async def ts_env(keyring: KeyRing) -> AsyncIterator[WorkflowEnvironment]:
    env = await start_test_env(data_converter=data_converter(keyring))
    yield env
    await env.shutdown()


async def test_retention_workflow_deletes_only_expired_recordings(
    ts_env: WorkflowEnvironment, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    now = await ts_env.get_current_time()
    await _seed(database, now)
    twilio = FakeTwilio()
    acts = RetentionActivities(database, twilio)
    queue = f"retention-{uuid.uuid4()}"
    caplog.set_level(logging.INFO, logger="gyde.retention")
    async with Worker(
        ts_env.client,
        task_queue=queue,
        workflows=[RecordingRetentionWorkflow],
        activities=[acts.find_expired_recordings, acts.delete_expired_recording],
    ):
        summary = await ts_env.client.execute_workflow(
            RecordingRetentionWorkflow.run,
            RetentionInput(retention_days=90, batch_size=2),
            id=f"retention-{uuid.uuid4()}",
            task_queue=queue,
        )
    assert (summary.deleted, summary.failed) == (3, 1)
    assert sorted(twilio.deleted) == ["RE_flaky", "RE_old1", "RE_old2"]
    assert twilio.calls["RE_flaky"] == 2  # retried after the provider error
    assert await _remaining(database) == {"RE_new", "RE_edge", "RE_broken"}  # broken: next run retries
    logged = [r.getMessage() for r in caplog.records if r.name == "gyde.retention"]
    assert sorted(m.split()[3] for m in logged) == ["RE_flaky", "RE_old1", "RE_old2"]
    async with database.session() as s:
        entries = await audit.list_entries(s)
        assert (await audit.verify_chain(s)).ok
    assert sorted(e.entity_id for e in entries) == ["RE_flaky", "RE_old1", "RE_old2"]
    assert {(e.actor, e.action, e.entity) for e in entries} == {("system:retention", "delete", "recording")}


async def test_retention_rejects_a_zero_day_period(ts_env: WorkflowEnvironment, database: Database) -> None:
    acts = RetentionActivities(database, FakeTwilio())
    queue = f"retention-{uuid.uuid4()}"
    async with Worker(
        ts_env.client,
        task_queue=queue,
        workflows=[RecordingRetentionWorkflow],
        activities=[acts.find_expired_recordings, acts.delete_expired_recording],
    ):
        handle = await ts_env.client.start_workflow(
            RecordingRetentionWorkflow.run,
            RetentionInput(retention_days=0),
            id=f"r-{uuid.uuid4()}",
            task_queue=queue,
            execution_timeout=timedelta(seconds=30),
        )
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert "retention_days must be at least 1" in str(info.value.cause)


@pytest.fixture
async def dev_env(keyring: KeyRing) -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_env(data_converter=data_converter(keyring))
    yield env
    await env.shutdown()


async def test_daily_schedule_is_created_idempotently_and_runs_the_workflow(
    dev_env: WorkflowEnvironment, database: Database
) -> None:
    client: Client = dev_env.client
    queue = f"retention-{uuid.uuid4()}"
    handle = await ensure_retention_schedule(client, task_queue=queue, retention_days=30)
    await ensure_retention_schedule(client, task_queue=queue, retention_days=90)  # second call updates
    description = await handle.describe()
    assert handle.id == RETENTION_SCHEDULE_ID
    [calendar] = description.schedule.spec.calendars
    assert [r.start for r in calendar.hour] == [3]
    assert description.schedule.action.workflow == "RecordingRetentionWorkflow"  # type: ignore[attr-defined]

    await _seed(database, datetime.now().astimezone())
    twilio = FakeTwilio()
    acts = RetentionActivities(database, twilio)
    async with Worker(
        client,
        task_queue=queue,
        workflows=[RecordingRetentionWorkflow],
        activities=[acts.find_expired_recordings, acts.delete_expired_recording],
    ):
        await handle.trigger()
        for _ in range(100):
            runs = (await handle.describe()).info.recent_actions
            if runs:
                break
            await asyncio.sleep(0.1)
        run = client.get_workflow_handle_for(
            RecordingRetentionWorkflow.run,
            runs[0].action.workflow_id,  # type: ignore[attr-defined]
        )
        summary = await run.result()
    assert summary.deleted == 3
    assert "RE_new" in await _remaining(database)
    await handle.delete()
