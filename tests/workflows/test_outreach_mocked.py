"""ClientOutreachWorkflow over activities mocked by name (`@activity.defn(name=...)`), as
temporalio/samples-python tests do: failure paths that real adapters make awkward to reach —
a dial refused for good, a call a signed callback reported adopted when its dial failed, a CRM
that rejects the write — on the time-skipping server, no database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.enums import CallResult, CallStatus, Outcome
from domain.ids import dial_task_queue, outreach_workflow_id
from domain.messages import (
    AdoptCallRequest,
    CallEnded,
    CallingWindow,
    CallStatusEvent,
    ClientTask,
    ConsentEvent,
    CrmWriteRequest,
    CrmWriteResult,
    FreeSlots,
    FreeSlotsRequest,
    HangupRequest,
    PlaceCallRequest,
    PlaceCallResult,
    RecordAttemptRequest,
    RecordingConsentRecord,
    ScreeningRequest,
    ScreeningResult,
)
from workflows.outreach import ClientOutreachWorkflow


@dataclass
class Calls:
    names: list[str] = field(default_factory=list)


def mocked(calls: Calls, place: Callable[[PlaceCallRequest], Any], crm_rejects: bool = False) -> list[Any]:
    @activity.defn(name="screen_client")
    async def screen(request: ScreeningRequest) -> ScreeningResult:
        calls.names.append("screen_client")
        return ScreeningResult(True, None, "ok", "America/New_York", 0, request.products)

    @activity.defn(name="list_free_slots")
    async def free(request: FreeSlotsRequest) -> FreeSlots:
        return FreeSlots(request.broker_id, ())

    @activity.defn(name="place_call")
    async def place_call(request: PlaceCallRequest) -> PlaceCallResult:
        calls.names.append(f"place_call:{request.attempt}")
        result: PlaceCallResult = await place(request)
        return result

    @activity.defn(name="adopt_call")
    async def adopt(request: AdoptCallRequest) -> PlaceCallResult:
        calls.names.append(f"adopt_call:{request.call_sid}")
        return PlaceCallResult(call_sid=request.call_sid, adopted=True)

    @activity.defn(name="record_attempt_result")
    async def record(request: RecordAttemptRequest) -> None:
        calls.names.append(f"record_attempt_result:{request.result}")

    @activity.defn(name="hangup_call")
    async def hangup(request: HangupRequest) -> None:
        calls.names.append(f"hangup:{request.call_sid}")

    @activity.defn(name="record_recording_consent")
    async def consent(request: RecordingConsentRecord) -> None:
        calls.names.append("consent")

    @activity.defn(name="write_crm_outcome")
    async def crm(request: CrmWriteRequest) -> CrmWriteResult:
        calls.names.append(f"crm:{request.outcome.value}")
        if crm_rejects:
            raise ApplicationError(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION", type="CrmRejected", non_retryable=True
            )
        return CrmWriteResult("note-1")

    return [screen, free, place_call, adopt, record, hangup, consent, crm]


async def run(env: WorkflowEnvironment, activities: list[Any], task: ClientTask) -> Any:
    queue = f"mock-{uuid.uuid4().hex[:8]}"
    dial = [a for a in activities if getattr(a, "__name__", "") == "place_call"]
    main = [a for a in activities if a not in dial]
    async with (
        Worker(env.client, task_queue=queue, workflows=[ClientOutreachWorkflow], activities=main),
        Worker(env.client, task_queue=dial_task_queue(queue), activities=dial),
    ):
        return await env.client.execute_workflow(
            ClientOutreachWorkflow.run,
            task,
            id=outreach_workflow_id(task.campaign_id, task.client_id),
            task_queue=queue,
        )


TASK = ClientTask("camp-m", "cli-m", "brk-m", max_attempts=2, window=CallingWindow(0, 24))


async def test_a_number_the_carrier_refuses_ends_failed_after_one_dial(time_env: WorkflowEnvironment):
    calls = Calls()

    async def refuse(_request: PlaceCallRequest) -> PlaceCallResult:
        raise ApplicationError(
            "twilio refused the number (21211)", type="InvalidPhoneNumber", non_retryable=True
        )

    result = await run(time_env, mocked(calls, refuse), TASK)
    assert result.outcome is Outcome.FAILED
    assert [n for n in calls.names if n.startswith("place_call")] == ["place_call:1"]  # not retried
    assert calls.names[-1] == "crm:failed"


async def test_every_dial_try_failing_adopts_the_call_a_signed_callback_reported(
    time_env: WorkflowEnvironment,
):
    """The carrier created the call on the first try, but every answer was lost: its status
    callback (which carries the attempt) makes the workflow follow that call, not dial again."""
    calls = Calls()
    sid = "CA" + "4" * 32

    async def lost(request: PlaceCallRequest) -> PlaceCallResult:
        handle = activity_client().get_workflow_handle(request.workflow_id)
        if request.attempt == 1 and calls.names.count("place_call:1") == 1:
            await handle.signal("call_status", CallStatusEvent(sid, CallStatus.RINGING, 1, attempt=1))
            await handle.signal("call_status", CallStatusEvent(sid, CallStatus.ANSWERED, 2, attempt=1))
            await handle.signal("consent", ConsentEvent(sid, True))
            await handle.signal("call_ended", CallEnded(sid, CallResult.DECLINED))
            await handle.signal("call_status", CallStatusEvent(sid, CallStatus.COMPLETED, 3, attempt=1))
        raise ApplicationError("read timeout", type="TelephonyError")

    result = await run(time_env, mocked(calls, lost), TASK)
    assert result.outcome is Outcome.DECLINED
    # the first failure already found the reported call: no further try, no second attempt
    assert calls.names.count("place_call:1") == 1 and "place_call:2" not in calls.names
    assert f"adopt_call:{sid}" in calls.names
    assert "record_attempt_result:declined" in calls.names


async def test_a_crm_that_rejects_the_write_fails_the_workflow_loudly(time_env: WorkflowEnvironment):
    calls = Calls()

    async def no_answer(request: PlaceCallRequest) -> PlaceCallResult:
        handle = activity_client().get_workflow_handle(request.workflow_id)
        sid = f"CA{request.attempt:032d}"
        await handle.signal(
            "call_status", CallStatusEvent(sid, CallStatus.NO_ANSWER, 1, attempt=request.attempt)
        )
        return PlaceCallResult(call_sid=sid)

    task = ClientTask("camp-m", "cli-m2", "brk-m", max_attempts=1, window=CallingWindow(0, 24))
    with pytest.raises(WorkflowFailureError):
        await run(time_env, mocked(calls, no_answer, crm_rejects=True), task)
    assert calls.names[-1] == "crm:no_answer"


_CLIENT: list[Any] = []


def activity_client() -> Any:
    """The test server's client, for mocks that play the carrier's callbacks."""
    return _CLIENT[0]


@pytest.fixture(autouse=True)
def _remember_client(time_env: WorkflowEnvironment) -> Any:
    _CLIENT[:] = [time_env.client]
    yield
    _CLIENT.clear()
