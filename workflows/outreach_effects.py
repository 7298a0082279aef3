"""The side effects of one client's outreach, one function per activity call: its timeouts,
retry policy and idempotency key (`workflow id + step`, so a retry writes once) in one place.
Called from ClientOutreachWorkflow only (workflow code: deterministic, no I/O of its own)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import BookingSteps, CallSteps, DialSteps, FollowUpSteps, ScreeningSteps
    from domain.enums import CallbackOwner, Outcome
    from domain.ids import broker_callback_workflow_id, dial_task_queue, idempotency_key
    from domain.messages import (
        AdoptCallRequest,
        BookAppointmentRequest,
        BookingConfirmation,
        BookingRequest,
        BrokerAvailabilityRequest,
        BrokerAvailabilityResult,
        BrokerCallbackTask,
        CallbackCancelled,
        CallbackConfirmation,
        CallbackRecordRequest,
        CallUsage,
        ClientTask,
        ConsentEvent,
        CrmWriteRequest,
        DncAddRequest,
        EmailRequest,
        FreeSlots,
        FreeSlotsRequest,
        HangupRequest,
        PlaceCallRequest,
        PlaceCallResult,
        RecordAttemptRequest,
        RecordingConsentRecord,
        RecordingEvent,
        RecordingRegistration,
        ScreeningRequest,
        ScreeningResult,
        StrayCallbacksRequest,
        TransferRequest,
        TransferResult,
    )
    from workflows.broker_callback import BrokerCallbackWorkflow
    from workflows.outreach_patches import LEAN_LIFECYCLE

SHORT = timedelta(seconds=30)
DEFAULT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# One execution per try: the workflow itself retries a failed dial (outreach_steps.DIAL_TRIES),
# so a status callback that reports the call a lost answer created is seen between tries.
DIAL_ONCE = RetryPolicy(maximum_attempts=1)
DIAL_HEARTBEAT = timedelta(seconds=15)


def _key(step: str) -> str:
    return idempotency_key(workflow.info().workflow_id, step)


def attempt_key(attempt: int) -> str:
    return _key(f"attempt-{attempt}")


# workflow.patched ids. LOCAL_READS: the screening and slot reads run as local activities (in
# the workflow task, on this worker: no activity task round trip through the server and no
# workflow task after it). LEAN_LIFECYCLE (outreach_patches.py): so do the short idempotent
# writes to our own database (attempt rows, the consent ledger, recording registration, DNC,
# callback rows, adopting a call). Runs recorded before keep their regular activities on replay. Steps that call another
# service (dial, hang-up, transfer, booking, email, CRM) stay regular activities: their queue,
# timeouts and retries belong to the server, visible in the UI as pending activities.
LOCAL_READS = "local-reads"


# A local step's budget: three tries of at most 5 s each, 1 s and 2 s apart. A healthy write
# takes milliseconds; past this (a database outage) the same keyed write goes to the server as
# the regular activity, whose retries hold no workflow task open: signals, updates and queries
# are served meanwhile and the backoff is the server's (a local activity retried inside its
# workflow task heartbeats it, three events every ~8 s). The budget is a number of tries: a
# schedule-to-close timeout did not stop the SDK's local retries when we tried it (temporalio
# 1.35), so it would bound nothing.
LOCAL_ATTEMPT = timedelta(seconds=5)
LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_attempts=3)


def _failure(err: FailureError) -> BaseException | None:
    """What failed: a regular activity's cause, or a local activity's failure as raised."""
    return err.cause if isinstance(err, ActivityError) else err


def worth_a_regular_try(err: FailureError) -> bool:
    """Local tries that ran out (timed out, or a retryable error on the last) are worth the
    regular activity; a refusal (non-retryable) or a cancellation is not. The SDK raises a
    local activity's last failure as it is (an ApplicationError, not wrapped in an
    ActivityError as a regular activity's is), so both shapes are read."""
    inner = _failure(err)
    if isinstance(inner, CancelledError):
        return False
    return not (isinstance(inner, ApplicationError) and inner.non_retryable)


async def _in_worker(patch_id: str, method: Any, arg: Any, summary: str) -> Any:
    """A step against our own database: a local activity for runs that have `patch_id`, else
    the regular activity it was when they were recorded. Local tries that all fail fall back to
    the regular activity: every such step is keyed or a read, so running it again writes once.
    (Runs recorded before the budget retried locally without end, so a local failure in their
    histories is a refusal, which still raises: their replay takes the same path.)"""
    if workflow.patched(patch_id):
        try:
            return await workflow.execute_local_activity_method(
                method,
                arg,
                summary=summary,
                start_to_close_timeout=LOCAL_ATTEMPT,
                retry_policy=LOCAL_RETRY,
            )
        except FailureError as err:
            if not worth_a_regular_try(err):
                raise
            # The failure's kind only: its message stays in the (encrypted) history.
            kind = type(_failure(err)).__name__
            workflow.logger.warning("%s: local try failed (%s), now as an activity", summary, kind)
    return await workflow.execute_activity_method(
        method, arg, summary=summary, start_to_close_timeout=SHORT, retry_policy=DEFAULT_RETRY
    )


async def screen(task: ClientTask) -> ScreeningResult:
    request = ScreeningRequest(task.campaign_id, task.client_id, task.products)
    result: ScreeningResult = await _in_worker(
        LOCAL_READS, ScreeningSteps.screen_client, request, "screen: DNC, eligibility, number"
    )
    return result


async def free_slots(task: ClientTask) -> list[datetime]:
    request = FreeSlotsRequest(task.broker_id, workflow.now(), 14)
    free: FreeSlots = await _in_worker(
        LOCAL_READS, BookingSteps.list_free_slots, request, "broker slots for the next 14 days"
    )
    return sorted(set(free.slots))


async def place_call(task: ClientTask, attempt: int) -> PlaceCallResult:
    """On the rate-limited dial queue; raises ActivityError when this try failed."""
    return await workflow.execute_activity_method(
        DialSteps.place_call,
        PlaceCallRequest(
            workflow.info().workflow_id,
            task.campaign_id,
            task.client_id,
            attempt,
            attempt_key(attempt),
            dialled_at=workflow.now(),
            window=task.window,
            caps=task.caps,
        ),
        task_queue=dial_task_queue(workflow.info().task_queue),
        summary=f"dial attempt {attempt} (compliance gate at the dial)",
        start_to_close_timeout=timedelta(seconds=90),
        heartbeat_timeout=DIAL_HEARTBEAT,
        retry_policy=DIAL_ONCE,
    )


async def adopt_call(task: ClientTask, attempt: int, call_sid: str) -> PlaceCallResult:
    adopted: PlaceCallResult = await _in_worker(
        LEAN_LIFECYCLE,
        DialSteps.adopt_call,
        AdoptCallRequest(attempt_key(attempt), task.campaign_id, task.client_id, attempt, call_sid),
        f"adopt the call attempt {attempt} made",
    )
    return adopted


async def record_attempt_result(
    task: ClientTask,
    attempt: int,
    call_sid: str,
    outcome: str,
    usage: CallUsage | None = None,
    duration_seconds: int = 0,
) -> None:
    await _in_worker(
        LEAN_LIFECYCLE,
        CallSteps.record_attempt_result,
        RecordAttemptRequest(
            attempt_key(attempt),
            task.campaign_id,
            task.client_id,
            attempt,
            call_sid,
            "ended",
            outcome,
            usage=usage,
            duration_seconds=duration_seconds,
        ),
        f"record attempt {attempt}: {outcome}",
    )


async def hangup(call_sid: str) -> None:
    await workflow.execute_activity_method(
        CallSteps.hangup_call,
        HangupRequest(call_sid),
        summary="hang up",
        start_to_close_timeout=SHORT,
        retry_policy=DEFAULT_RETRY,
    )


async def add_to_dnc(task: ClientTask) -> None:
    await _in_worker(
        LEAN_LIFECYCLE,
        FollowUpSteps.add_to_dnc,
        DncAddRequest(_key("dnc"), task.client_id, task.campaign_id, "caller"),
        "add to do-not-call",
    )


async def record_callback(
    task: ClientTask, seq: int, at: datetime, owner: CallbackOwner
) -> CallbackConfirmation:
    confirmation: CallbackConfirmation = await _in_worker(
        LEAN_LIFECYCLE,
        FollowUpSteps.record_callback,
        CallbackRecordRequest(
            _key(f"callback-{seq}-{owner.value}"), task.campaign_id, task.client_id, task.broker_id, at, owner
        ),
        f"record {owner.value} callback",
    )
    return confirmation


async def start_broker_callback(task: ClientTask, callback: CallbackConfirmation, attempt: int) -> str:
    """The broker's own callback workflow; it outlives this one (ABANDON). Its workflow id."""
    handle = await workflow.start_child_workflow(
        BrokerCallbackWorkflow.run,
        BrokerCallbackTask(
            callback.callback_id, task.campaign_id, task.client_id, task.broker_id, callback.callback_at
        ),
        id=broker_callback_workflow_id(task.campaign_id, task.client_id, attempt),
        parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        static_summary=f"Broker callback for client {task.client_id}",
    )
    return handle.id


async def cancel_broker_callback(workflow_id: str) -> None:
    """The client opted out: the broker's callback workflow stops (and closes its row). One it
    already finished has nothing left to stop."""
    try:
        await workflow.get_external_workflow_handle(workflow_id).signal(
            BrokerCallbackWorkflow.cancelled, CallbackCancelled()
        )
    except FailureError:
        workflow.logger.info("broker callback %s had already finished", workflow_id)


async def close_stray_callbacks(task: ClientTask, keep: list[str], status: str) -> None:
    """The callback rows this run wrote that it no longer stands behind leave the brokers' open
    lists: prefix of their keys (record_callback), `keep` the ones that stand."""
    await _in_worker(
        LEAN_LIFECYCLE,
        FollowUpSteps.close_stray_callbacks,
        StrayCallbacksRequest(_key("callback-"), keep, status),
        "close the callbacks this run no longer stands behind",
    )


async def broker_availability(task: ClientTask) -> BrokerAvailabilityResult:
    return await workflow.execute_activity_method(
        BookingSteps.broker_availability,
        BrokerAvailabilityRequest(task.broker_id, workflow.now()),
        summary="broker availability",
        start_to_close_timeout=SHORT,
        retry_policy=DEFAULT_RETRY,
    )


async def book(task: ClientTask, request: BookAppointmentRequest) -> BookingConfirmation:
    return await workflow.execute_activity_method(
        BookingSteps.book_appointment,
        BookingRequest(
            idempotency_key=_key("book"),
            campaign_id=task.campaign_id,
            client_id=task.client_id,
            broker_id=task.broker_id,
            slot_start=request.slot_start,
            product=request.product,
            call_sid=request.call_sid,
        ),
        summary="book the appointment",
        start_to_close_timeout=SHORT,
        retry_policy=DEFAULT_RETRY,
    )


async def transfer(task: ClientTask, attempt: int, call_sid: str) -> TransferResult:
    return await workflow.execute_activity_method(
        CallSteps.transfer_call,
        TransferRequest(_key(f"transfer-{attempt}"), call_sid, task.broker_id, task.client_id),
        summary="warm transfer to the broker",
        start_to_close_timeout=SHORT,
        retry_policy=DEFAULT_RETRY,
    )


async def register_recording(task: ClientTask, event: RecordingEvent) -> None:
    await _in_worker(
        LEAN_LIFECYCLE,
        CallSteps.register_recording,
        RecordingRegistration(
            recording_sid=event.recording_sid,
            call_sid=event.call_sid,
            campaign_id=task.campaign_id,
            client_id=task.client_id,
            started_at=event.started_at or workflow.now(),
        ),
        "register recording for retention",
    )


async def record_recording_consent(task: ClientTask, event: ConsentEvent) -> None:
    await _in_worker(
        LEAN_LIFECYCLE,
        FollowUpSteps.record_recording_consent,
        RecordingConsentRecord(
            idempotency_key=_key(f"recording-consent-{event.call_sid}"),
            client_id=task.client_id,
            campaign_id=task.campaign_id,
            call_sid=event.call_sid,
            granted=event.given,
            method=event.method,
            at=workflow.now(),
        ),
        "recording consent to the ledger",
    )


async def send_confirmation_email(task: ClientTask, appointment_id: str) -> None:
    await workflow.execute_activity_method(
        FollowUpSteps.send_email,
        EmailRequest(
            _key("email-confirmation"),
            task.client_id,
            "appointment_confirmation",
            appointment_id=appointment_id,
            broker_id=task.broker_id,
        ),
        summary="confirmation email",
        start_to_close_timeout=SHORT,
        retry_policy=DEFAULT_RETRY,
    )


async def write_crm_outcome(
    task: ClientTask, outcome: Outcome, note: str, attempts: int, appointment_id: str | None
) -> None:
    await workflow.execute_activity_method(
        FollowUpSteps.write_crm_outcome,
        CrmWriteRequest(
            _key("crm-outcome"),
            task.campaign_id,
            task.client_id,
            outcome,
            f"Gyde campaign outcome: {outcome.value} ({note}); attempts: {attempts}",
            appointment_id,
        ),
        summary=f"CRM outcome: {outcome.value}",
        start_to_close_timeout=SHORT,
        retry_policy=DEFAULT_RETRY,
    )


def cause(err: ActivityError) -> str:
    inner = err.cause
    return str(inner.message) if isinstance(inner, ApplicationError) else str(inner or err)


def non_retryable(err: ActivityError) -> bool:
    inner = err.cause
    return isinstance(inner, ApplicationError) and inner.non_retryable
