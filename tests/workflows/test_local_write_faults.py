"""A short write to our own database runs as a local activity (workflows/outreach_effects.py,
`_in_worker`). Tried the way a database outage breaks it: the write keeps failing past the local
budget, or it lands and then hangs (the answer is lost). Either way the step goes on as the
regular activity, writes once (it is keyed) and the client's lifecycle ends as it would have.
Time-skipping server, real activities; the local tries are shortened because they run on the
worker's clock, which the test server does not skip."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    FailureError,
    TimeoutError,
    TimeoutType,
)
from temporalio.testing import WorkflowEnvironment

import activities.followup as followup
from db.models_privacy import ConsentRecord
from db.session import Database
from domain.enums import CallResult, Outcome, Stage
from sim.scripted_phone import Book, EnterStage, answered_call
from tests.workflows.test_lean_lifecycle import local_activity_types, run_one, scheduled_activities
from tests.workflows.test_outreach import count
from workflows import outreach_effects as fx

BOOKED = answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)
real_record_consent = followup.record_consent


def _outage(
    tries_down: int, write_then_hang: bool = False
) -> tuple[Callable[..., Awaitable[Any]], list[int]]:
    """record_consent that fails (or, with `write_then_hang`, writes and never answers) on its
    first `tries_down` calls, then works."""
    calls = [0]

    async def faulty(session: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] <= tries_down:
            if not write_then_hang:
                raise OperationalError(
                    "INSERT INTO consent_records", {}, ConnectionError("server closed the connection")
                )
            await real_record_consent(session, **kwargs)
            await session.commit()
            await asyncio.Event().wait()  # the write landed; its answer never comes
        return await real_record_consent(session, **kwargs)

    return faulty, calls


@pytest.fixture
def short_local_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        fx, "LOCAL_RETRY", RetryPolicy(initial_interval=timedelta(seconds=0.1), maximum_attempts=3)
    )


@pytest.mark.usefixtures("short_local_budget")
async def test_a_local_write_failing_past_its_budget_goes_on_as_an_activity_and_writes_once(
    time_env: WorkflowEnvironment, database: Database, monkeypatch: pytest.MonkeyPatch
):
    faulty, calls = _outage(tries_down=4)  # three local tries and the activity's first
    monkeypatch.setattr(followup, "record_consent", faulty)
    result, history = await run_one(time_env, database, BOOKED)
    assert result.outcome is Outcome.SCHEDULED
    assert calls[0] == 5, calls  # three local tries, then the server's until one worked
    assert local_activity_types(history)["record_recording_consent"] == 1  # the failed local try
    assert scheduled_activities(history)["record_recording_consent"] == 1  # and the activity after it
    assert await count(database, ConsentRecord) == 1


@pytest.mark.usefixtures("short_local_budget")
async def test_a_local_write_that_landed_but_never_answered_is_not_written_twice(
    time_env: WorkflowEnvironment, database: Database, monkeypatch: pytest.MonkeyPatch
):
    # A short attempt timeout here only: with it, tries that fail at once make the SDK core
    # panic in a timeout task (harmless, but noise), so the failing-tries test keeps 5 s.
    monkeypatch.setattr(fx, "LOCAL_ATTEMPT", timedelta(seconds=0.5))
    faulty, calls = _outage(tries_down=3, write_then_hang=True)  # every local try
    monkeypatch.setattr(followup, "record_consent", faulty)
    result, history = await run_one(time_env, database, BOOKED)
    assert result.outcome is Outcome.SCHEDULED
    assert calls[0] == 4, calls
    assert scheduled_activities(history)["record_recording_consent"] == 1
    assert await count(database, ConsentRecord) == 1, "the keyed write ran again and wrote again"


async def test_a_working_local_write_stays_local(time_env: WorkflowEnvironment, database: Database):
    result, history = await run_one(time_env, database, BOOKED)
    assert result.outcome is Outcome.SCHEDULED
    assert "record_recording_consent" not in scheduled_activities(history)
    assert local_activity_types(history)["record_recording_consent"] == 1


def _failed(cause: FailureError) -> ActivityError:
    err = ActivityError(
        "local activity failed",
        scheduled_event_id=0,
        started_event_id=0,
        identity="",
        activity_type="record_recording_consent",
        activity_id="1",
        retry_state=None,
    )
    err.__cause__ = cause
    return err


@pytest.mark.parametrize(
    ("cause", "worth"),
    [
        (TimeoutError("budget", type=TimeoutType.SCHEDULE_TO_CLOSE, last_heartbeat_details=[]), True),
        (ApplicationError("connection refused"), True),
        (ApplicationError("unknown client", non_retryable=True), False),
        (CancelledError("workflow cancelled"), False),
    ],
)
def test_only_tries_that_ran_out_fall_back(cause: FailureError, worth: bool):
    assert fx.worth_a_regular_try(_failed(cause)) is worth  # a regular activity's shape
    assert fx.worth_a_regular_try(cause) is worth  # a local activity's: the failure itself
