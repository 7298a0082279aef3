"""One client's durable lifecycle: screen, wait for the calling window, dial, follow the call by
signals, act on its outcome, retry or call back, and end with exactly one terminal outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ExternalWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from activities.booking import BookingActivities
    from activities.calls import CallActivities
    from activities.followup import FollowUpActivities
    from activities.screening import ScreeningActivities
    from domain.calling_window import clamp_into_window, next_window_open, retry_delay
    from domain.enums import CallbackOwner, CallResult, CallStatus, ClientStage, Outcome, Stage
    from domain.ids import broker_callback_workflow_id, dial_task_queue, idempotency_key
    from domain.messages import (
        BookAppointmentRequest,
        BookingConfirmation,
        BookingRequest,
        BrokerAvailabilityRequest,
        BrokerCallbackTask,
        CallbackConfirmation,
        CallbackRecordRequest,
        CallbackRequest,
        CallEnded,
        CallStatusEvent,
        ClientFinished,
        ClientTask,
        ConsentEvent,
        CrmWriteRequest,
        DialGateRequest,
        DialPermit,
        DialPermitRelease,
        DialPermitRequest,
        DncAddRequest,
        EmailRequest,
        FreeSlotsRequest,
        HangupRequest,
        OptOutRequest,
        OutreachResult,
        OutreachStatus,
        PlaceCallRequest,
        RecordAttemptRequest,
        RecordingEvent,
        ScreeningRequest,
        StageChange,
        TransferAsk,
        TransferDecision,
        TransferLegResult,
        TransferRequest,
    )
    from workflows import search_attributes as sa
    from workflows.broker_callback import BrokerCallbackWorkflow

SHORT = timedelta(seconds=30)
DEFAULT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# A dial is not blindly retried: the activity itself is idempotent, but a slow provider must not
# produce a burst of dials; three tries then the attempt counts as failed.
DIAL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=3)
UNANSWERED: dict[CallStatus, Outcome] = {
    CallStatus.NO_ANSWER: Outcome.NO_ANSWER,
    CallStatus.BUSY: Outcome.BUSY,
    CallStatus.FAILED: Outcome.FAILED,
    CallStatus.CANCELED: Outcome.NO_ANSWER,
}
FINAL_STATUSES = frozenset(UNANSWERED) | {CallStatus.COMPLETED}
TRANSFER_SETTLE = timedelta(minutes=3)
MAX_AI_CALLBACKS = 2  # then the broker follows up personally
RETRYABLE_RESULTS: dict[CallResult, Outcome] = {
    CallResult.VOICEMAIL: Outcome.VOICEMAIL,
    CallResult.DROPPED: Outcome.FAILED,
    CallResult.WRONG_PERSON: Outcome.NO_ANSWER,
}
FINAL_RESULTS: dict[CallResult, Outcome] = {
    CallResult.DECLINED: Outcome.DECLINED,
    CallResult.VERIFICATION_FAILED: Outcome.VERIFICATION_FAILED,
    CallResult.CONSENT_DENIED: Outcome.CONSENT_DENIED,
}


@dataclass
class CallState:
    """Everything the signals told us about one call attempt (keyed by call sid)."""

    statuses: list[CallStatus] = field(default_factory=list)
    answered: bool = False
    machine: bool = False
    consent: bool | None = None
    ended: CallEnded | None = None
    final_status: CallStatus | None = None


@dataclass
class CallVerdict:
    """What one attempt amounted to: a conversation result or a telephony outcome."""

    result: CallResult | None = None
    unanswered: Outcome | None = None


@workflow.defn
class ClientOutreachWorkflow:
    @workflow.init
    def __init__(self, task: ClientTask) -> None:
        self._task = task
        self._stage = ClientStage.SCREENING
        self._conversation_stage: Stage | None = None
        self._attempt = 0
        self._last_event = "started"
        self._next_call_at: datetime | None = None
        self._outcome: Outcome | None = None
        self._timezone = "America/New_York"
        self._calls: dict[str, CallState] = {}
        self._call_sid: str | None = None
        self._opted_out = False
        self._dnc_added = False
        self._stopped = False
        self._permit: DialPermit | None = None
        self._free_slots: set[datetime] = set()
        self._booking: BookingConfirmation | None = None
        self._callback: CallbackConfirmation | None = None
        self._broker_callback_started = False
        self._transferring = False
        self._booking_in_flight = False
        self._pending_callback_at: datetime | None = None
        self._callback_seq = 0
        self._wid = ""
        self._recordings: set[str] = set()
        self._transfer_settled = False
        self._ai_callbacks = 0

    # --- run --------------------------------------------------------------------------------

    @workflow.run
    async def run(self, task: ClientTask) -> OutreachResult:
        self._wid = workflow.info().workflow_id
        screening = await workflow.execute_activity_method(
            ScreeningActivities.screen_client,
            ScreeningRequest(task.campaign_id, task.client_id, task.products),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        self._timezone = screening.timezone
        self._attempt = screening.attempts_so_far
        if not screening.allowed:
            self._note(f"screened out: {screening.reason}")
            return await self._finish(screening.blocked_outcome or Outcome.INELIGIBLE, screening.reason)

        unanswered_attempts = 0
        last_outcome = Outcome.NO_ANSWER
        not_before: datetime | None = None
        while True:
            if self._opted_out:
                return await self._finish(Outcome.OPTED_OUT, "opted out")
            if not await self._wait_for_window(not_before):
                return await self._finish(Outcome.OPTED_OUT if self._opted_out else last_outcome, "stopped")
            gate = await workflow.execute_activity_method(
                ScreeningActivities.dial_gate,
                DialGateRequest(
                    task.campaign_id,
                    task.client_id,
                    self._attempt + 1,
                    at=workflow.now(),
                    window=task.window,
                    caps=task.caps,
                ),
                start_to_close_timeout=SHORT,
                retry_policy=DEFAULT_RETRY,
            )
            if not gate.allowed and gate.retry_at is not None:
                # Deferred (state hours, holiday, daily/weekly cap): wait durably, then ask again.
                self._note(f"dial deferred: {gate.reason}")
                not_before = gate.retry_at
                continue
            if not gate.allowed:
                self._note(f"dial blocked: {gate.reason}")
                return await self._finish(gate.blocked_outcome or last_outcome, gate.reason)
            if not await self._acquire_permit():
                return await self._finish(
                    Outcome.OPTED_OUT if self._opted_out else last_outcome, "campaign stopped"
                )
            try:
                verdict = await self._call_once()
            finally:
                await self._release_permit()
            if verdict is None:
                return await self._finish(Outcome.FAILED, "could not place the call")
            if self._transferring:
                # The transfer redirected the call away from the media stream, which then reports
                # the stream's end; what happened is a transfer, and the workflow knows it.
                verdict = CallVerdict(result=CallResult.TRANSFER_REQUESTED)

            if verdict.result is CallResult.WRONG_PERSON and self._pending_callback_at is not None:
                # Someone else answered and named a better time to reach the client.
                at = await self._callback_from_call()
                self._ai_callbacks += 1
                not_before = at
                self._callback = None
                self._set_stage(ClientStage.WAITING_CALLBACK, "wrong person answered; calling back later")
                continue
            if verdict.unanswered is not None or verdict.result in RETRYABLE_RESULTS:
                last_outcome = verdict.unanswered or RETRYABLE_RESULTS[verdict.result or CallResult.DROPPED]
                unanswered_attempts += 1
                if self._opted_out:
                    continue
                if unanswered_attempts >= task.max_attempts:
                    return await self._finish(last_outcome, f"gave up after {unanswered_attempts} attempts")
                not_before = workflow.now() + retry_delay(unanswered_attempts, task.retry)
                self._set_stage(ClientStage.WAITING_RETRY, f"retry after {last_outcome.value}")
                continue

            result = verdict.result
            if result is CallResult.SCHEDULED or self._booking is not None:
                return await self._finish_scheduled()
            if result is CallResult.OPTED_OUT or self._opted_out:
                self._opted_out = True
                continue
            if result in FINAL_RESULTS:
                return await self._finish(FINAL_RESULTS[result], result.value)
            if result is CallResult.TRANSFER_REQUESTED and self._transferring:
                # The broker leg reports later (Dial action webhook); wait a bounded time for it.
                try:
                    await workflow.wait_condition(lambda: self._transfer_settled, timeout=TRANSFER_SETTLE)
                except TimeoutError:
                    self._note("no transfer result from telephony; assuming the bridge held")
                if self._transferring:
                    return await self._finish(Outcome.TRANSFERRED, "transferred to broker")
            if result is CallResult.TRANSFER_REQUESTED and self._callback is None:
                await self._book_broker_callback_after_failed_transfer()
            if result is CallResult.CALLBACK_REQUESTED and self._callback is None:
                if self._pending_callback_at is None:
                    not_before = workflow.now() + retry_delay(1, task.retry)
                    self._set_stage(ClientStage.WAITING_CALLBACK, "callback requested without a time")
                    continue
                await self._callback_from_call()
            if self._callback is not None and self._callback.owner is CallbackOwner.BROKER:
                return await self._finish(Outcome.CALLBACK_SCHEDULED, "broker will call back")
            if self._callback is not None and self._ai_callbacks >= MAX_AI_CALLBACKS:
                # The client keeps asking to be called later: their broker takes it from here.
                callback_at = self._callback.callback_at
                self._callback = None
                await self._hand_to_broker(callback_at)
                return await self._finish(
                    Outcome.CALLBACK_SCHEDULED, "repeated callback requests: broker follows up"
                )
            if self._callback is not None:
                self._ai_callbacks += 1
                not_before = self._callback.callback_at
                self._callback = None
                self._set_stage(ClientStage.WAITING_CALLBACK, "callback requested")
                continue
            return await self._finish(
                Outcome.DECLINED, f"call ended: {result.value if result else 'unknown'}"
            )

    # --- signals ----------------------------------------------------------------------------

    @workflow.signal
    def call_status(self, event: CallStatusEvent) -> None:
        state = self._calls.setdefault(event.call_sid, CallState())
        state.statuses.append(event.status)
        if event.status in (CallStatus.ANSWERED, CallStatus.HUMAN):
            state.answered = True
        elif event.status is CallStatus.MACHINE:
            state.answered = True
            state.machine = True
        elif event.status in FINAL_STATUSES:
            state.final_status = event.status
        self._last_event = f"call {event.status.value}"

    @workflow.signal
    def transfer_result(self, event: TransferLegResult) -> None:
        # The broker leg's result: only a completed bridge means the client was handed over.
        self._transferring = event.status.bridged
        self._transfer_settled = True
        self._last_event = f"transfer {event.status.value}"

    @workflow.signal
    def recording(self, event: RecordingEvent) -> None:
        self._recordings.add(event.recording_sid)
        self._last_event = "recording update"

    @workflow.signal
    def consent(self, event: ConsentEvent) -> None:
        state = self._calls.setdefault(event.call_sid, CallState())
        state.consent = event.given
        state.answered = True
        self._last_event = "consent given" if event.given else "consent denied"

    @workflow.signal
    def stage_changed(self, event: StageChange) -> None:
        self._conversation_stage = event.stage
        self._last_event = f"conversation stage {event.stage.value}"
        if self._stage in (ClientStage.CONSENT, ClientStage.RINGING, ClientStage.DIALING):
            self._set_stage(ClientStage.IN_CONVERSATION, f"talking ({event.stage.value})")
        else:
            workflow.set_current_details(self._details(f"talking ({event.stage.value})"))

    @workflow.signal
    def opt_out(self, event: OptOutRequest) -> None:
        self._opted_out = True
        self._last_event = f"opt-out ({event.source})"

    @workflow.signal
    def call_ended(self, event: CallEnded) -> None:
        state = self._calls.setdefault(event.call_sid, CallState())
        state.ended = event
        self._last_event = f"conversation ended: {event.result.value}"
        if event.result is CallResult.OPTED_OUT:
            self._opted_out = True
        wants_later = event.result in (CallResult.CALLBACK_REQUESTED, CallResult.WRONG_PERSON)
        if wants_later and event.callback_at and self._callback is None:
            self._pending_callback_at = event.callback_at

    @workflow.signal
    def dial_permit(self, permit: DialPermit) -> None:
        self._permit = permit

    @workflow.signal
    def stop(self) -> None:
        """The campaign was cancelled: finish the live call, then dial no more."""
        self._stopped = True

    # --- updates ----------------------------------------------------------------------------

    @workflow.update
    async def book_appointment(self, request: BookAppointmentRequest) -> BookingConfirmation:
        self._booking_in_flight = True
        try:
            confirmation = await workflow.execute_activity_method(
                BookingActivities.book_appointment,
                BookingRequest(
                    idempotency_key=idempotency_key(self._wid, "book"),
                    campaign_id=self._task.campaign_id,
                    client_id=self._task.client_id,
                    broker_id=self._task.broker_id,
                    slot_start=request.slot_start,
                    product=request.product,
                    call_sid=request.call_sid,
                ),
                start_to_close_timeout=SHORT,
                retry_policy=DEFAULT_RETRY,
            )
        except ActivityError as err:
            self._free_slots.discard(request.slot_start)
            raise ApplicationError(f"booking failed: {_cause(err)}", type="BookingRejected") from err
        finally:
            self._booking_in_flight = False
        self._booking = confirmation
        self._last_event = "appointment booked"
        return confirmation

    @book_appointment.validator
    def _validate_booking(self, request: BookAppointmentRequest) -> None:
        if self._opted_out:
            raise ValueError("client opted out: no booking")
        if self._booking is not None or self._booking_in_flight:
            raise ValueError("client already has an appointment in this campaign")
        self._require_live_call(request.call_sid)
        if request.slot_start not in self._free_slots:
            raise ValueError(f"slot {request.slot_start.isoformat()} is not free for this broker")

    @workflow.update
    async def request_callback(self, request: CallbackRequest) -> CallbackConfirmation:
        if request.owner is CallbackOwner.BROKER:
            return await self._hand_to_broker(request.callback_at)
        at = clamp_into_window(request.callback_at, self._timezone, self._task.window)
        return await self._record_callback(at, CallbackOwner.AI)

    @request_callback.validator
    def _validate_callback(self, request: CallbackRequest) -> None:
        if self._opted_out:
            raise ValueError("client opted out: no callback")
        if request.callback_at.tzinfo is None:
            raise ValueError("callback time must carry a time zone")
        if request.callback_at <= workflow.now():
            raise ValueError("callback time is in the past")
        if request.callback_at > workflow.now() + timedelta(days=30):
            raise ValueError("callback time is more than 30 days away")
        if self._callback is not None:
            raise ValueError("a callback is already scheduled")

    @workflow.update
    async def request_transfer(self, request: TransferAsk) -> TransferDecision:
        availability = await workflow.execute_activity_method(
            BookingActivities.broker_availability,
            BrokerAvailabilityRequest(self._task.broker_id, workflow.now()),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        if not availability.available_now:
            return TransferDecision(False, "broker not available now", availability.next_free_slot)
        self._set_stage(ClientStage.TRANSFERRING, "transferring to broker")
        result = await workflow.execute_activity_method(
            CallActivities.transfer_call,
            TransferRequest(
                idempotency_key(self._wid, f"transfer-{self._attempt}"),
                request.call_sid,
                self._task.broker_id,
                self._task.client_id,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        self._transferring = result.connected
        reason = "transferring" if result.connected else "call ended before transfer"
        return TransferDecision(result.connected, reason, availability.next_free_slot)

    @request_transfer.validator
    def _validate_transfer(self, request: TransferAsk) -> None:
        self._require_live_call(request.call_sid)
        if self._opted_out:
            raise ValueError("client opted out")

    def _require_live_call(self, call_sid: str) -> None:
        """Durable writes may only come from a call this workflow placed and that is still live."""
        state = self._calls.get(call_sid)
        if state is None or not state.answered:
            raise ValueError("no live answered call with this call sid")
        if state.ended is not None or state.final_status is not None:
            raise ValueError("that call has already ended")

    # --- queries ----------------------------------------------------------------------------

    @workflow.query
    def status(self) -> OutreachStatus:
        return OutreachStatus(
            campaign_id=self._task.campaign_id,
            client_id=self._task.client_id,
            stage=self._stage,
            conversation_stage=self._conversation_stage,
            attempt=self._attempt,
            last_event=self._last_event,
            next_call_at=self._next_call_at,
            outcome=self._outcome,
            call_sid=self._call_sid,
            as_of=workflow.now(),
        )

    # --- steps ------------------------------------------------------------------------------

    async def _wait_for_window(self, not_before: datetime | None) -> bool:
        """Sleep durably until the calling window opens (and not before `not_before`).
        Returns False when an opt-out or a campaign stop arrives while waiting."""
        while True:
            earliest = max(workflow.now(), not_before) if not_before else workflow.now()
            opens = next_window_open(earliest, self._timezone, self._task.window)
            delay = opens - workflow.now()
            if delay <= timedelta(0):
                self._next_call_at = None
                return True
            self._next_call_at = opens
            if self._stage not in (ClientStage.WAITING_RETRY, ClientStage.WAITING_CALLBACK):
                self._set_stage(ClientStage.WAITING_WINDOW, "waiting for calling window")
            else:
                self._set_stage(self._stage, self._last_event)
            try:
                await workflow.wait_condition(lambda: self._opted_out or self._stopped, timeout=delay)
                return False
            except TimeoutError:
                continue

    async def _acquire_permit(self) -> bool:
        """Ask the campaign for a dial slot so it can cap live calls and pace dials."""
        campaign = _campaign()
        if campaign is None:
            return True
        self._permit = None
        await campaign.signal(
            campaign_wf.CampaignWorkflow.request_dial, DialPermitRequest(self._task.client_id)
        )
        self._set_stage(ClientStage.WAITING_WINDOW, "waiting for a dial slot")
        await workflow.wait_condition(lambda: self._permit is not None or self._opted_out or self._stopped)
        return bool(self._permit and self._permit.granted) and not self._opted_out

    async def _release_permit(self) -> None:
        campaign = _campaign()
        if campaign is None:
            return
        await campaign.signal(
            campaign_wf.CampaignWorkflow.release_dial, DialPermitRelease(self._task.client_id)
        )

    async def _call_once(self) -> CallVerdict | None:
        task = self._task
        self._attempt += 1
        step = f"attempt-{self._attempt}"
        free = await workflow.execute_activity_method(
            BookingActivities.list_free_slots,
            FreeSlotsRequest(task.broker_id, workflow.now(), 14),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        self._free_slots = set(free.slots)
        self._set_stage(ClientStage.DIALING, "dialing")
        try:
            placed = await workflow.execute_activity_method(
                CallActivities.place_call,
                PlaceCallRequest(
                    self._wid,
                    task.campaign_id,
                    task.client_id,
                    self._attempt,
                    idempotency_key(self._wid, step),
                    dialled_at=workflow.now(),
                ),
                task_queue=_dial_queue(),
                start_to_close_timeout=timedelta(seconds=60),
                schedule_to_close_timeout=timedelta(minutes=10),
                retry_policy=DIAL_RETRY,
            )
        except ActivityError as err:
            self._note(f"dial failed: {_cause(err)}")
            return None
        sid = placed.call_sid
        self._call_sid = sid
        state = self._calls.setdefault(sid, CallState())
        self._set_stage(ClientStage.RINGING, "ringing")
        verdict = await self._follow_call(sid, state)
        outcome_text = (
            verdict.result.value if verdict.result else (verdict.unanswered or Outcome.FAILED).value
        )
        await workflow.execute_activity_method(
            CallActivities.record_attempt_result,
            RecordAttemptRequest(
                idempotency_key(self._wid, step),
                task.campaign_id,
                task.client_id,
                self._attempt,
                sid,
                "ended",
                outcome_text,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        return verdict

    async def _follow_call(self, sid: str, state: CallState) -> CallVerdict:
        task = self._task
        ring = timedelta(seconds=task.ring_timeout_seconds + 15)
        try:
            await workflow.wait_condition(
                lambda: state.answered or state.final_status is not None or state.ended is not None,
                timeout=ring,
            )
        except TimeoutError:
            await self._hangup(sid)
            return CallVerdict(unanswered=Outcome.NO_ANSWER)
        if not state.answered and state.ended is None and state.final_status in UNANSWERED:
            return CallVerdict(unanswered=UNANSWERED[state.final_status])
        self._set_stage(ClientStage.CONSENT, "answered, asking for recording consent")
        deadline = workflow.now() + timedelta(minutes=task.max_call_minutes)
        while True:
            remaining = deadline - workflow.now()
            try:
                await workflow.wait_condition(
                    lambda: (
                        state.ended is not None
                        or state.final_status is not None
                        or (self._opted_out and not self._dnc_added)
                    ),
                    timeout=max(remaining, timedelta(seconds=1)),
                )
            except TimeoutError:
                await self._hangup(sid)
                return CallVerdict(result=CallResult.DROPPED)
            if self._opted_out and not self._dnc_added:
                await self._add_to_dnc("caller")  # at once, while the call is still live
                continue
            break
        if state.ended is None:
            # Telephony says the call is over but the media server has not reported: give it a
            # bounded grace, then treat the call as dropped (media server died) and retry.
            try:
                await workflow.wait_condition(
                    lambda: state.ended is not None, timeout=timedelta(seconds=task.call_end_grace_seconds)
                )
            except TimeoutError:
                pass
        self._set_stage(ClientStage.WRAP_UP, "call ended, wrapping up")
        if state.ended is not None:
            return CallVerdict(result=state.ended.result)
        if state.consent is False:
            return CallVerdict(result=CallResult.CONSENT_DENIED)
        if state.machine:
            return CallVerdict(result=CallResult.VOICEMAIL)
        return CallVerdict(result=CallResult.DROPPED)

    async def _hangup(self, sid: str) -> None:
        await workflow.execute_activity_method(
            CallActivities.hangup_call,
            HangupRequest(sid),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )

    async def _add_to_dnc(self, source: str) -> None:
        await workflow.execute_activity_method(
            FollowUpActivities.add_to_dnc,
            DncAddRequest(
                idempotency_key(self._wid, "dnc"), self._task.client_id, self._task.campaign_id, source
            ),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        self._dnc_added = True

    async def _record_callback(self, at: datetime, owner: CallbackOwner) -> CallbackConfirmation:
        self._callback_seq += 1
        seq = self._callback_seq
        confirmation = await workflow.execute_activity_method(
            FollowUpActivities.record_callback,
            CallbackRecordRequest(
                idempotency_key(self._wid, f"callback-{seq}-{owner.value}"),
                self._task.campaign_id,
                self._task.client_id,
                self._task.broker_id,
                at,
                owner,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        self._callback = confirmation
        self._last_event = f"callback scheduled ({owner.value})"
        return confirmation

    async def _callback_from_call(self) -> datetime:
        """The time the call ended with (callback asked for, or a wrong person naming a better
        time), moved into the calling window and recorded as Emma's own callback."""
        assert self._pending_callback_at is not None
        at = clamp_into_window(self._pending_callback_at, self._timezone, self._task.window)
        self._pending_callback_at = None
        await self._record_callback(at, CallbackOwner.AI)
        return at

    async def _hand_to_broker(self, at: datetime) -> CallbackConfirmation:
        """The broker calls the client personally: a callback record plus its own workflow."""
        confirmation = await self._record_callback(at, CallbackOwner.BROKER)
        await self._start_broker_callback(confirmation)
        return confirmation

    async def _start_broker_callback(self, confirmation: CallbackConfirmation) -> None:
        if self._broker_callback_started:
            return
        await workflow.start_child_workflow(
            BrokerCallbackWorkflow.run,
            BrokerCallbackTask(
                confirmation.callback_id,
                self._task.campaign_id,
                self._task.client_id,
                self._task.broker_id,
                confirmation.callback_at,
            ),
            id=broker_callback_workflow_id(self._task.campaign_id, self._task.client_id, self._attempt),
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"Broker callback for client {self._task.client_id}",
        )
        self._broker_callback_started = True

    async def _book_broker_callback_after_failed_transfer(self) -> None:
        """The caller wanted their broker and none was free: book the broker's next free slot."""
        availability = await workflow.execute_activity_method(
            BookingActivities.broker_availability,
            BrokerAvailabilityRequest(self._task.broker_id, workflow.now()),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        await self._hand_to_broker(availability.next_free_slot or workflow.now() + timedelta(days=1))

    async def _finish_scheduled(self) -> OutreachResult:
        booking = self._booking
        if booking is None:
            return await self._finish(Outcome.DECLINED, "scheduled reported without a booking")
        await workflow.execute_activity_method(
            FollowUpActivities.send_email,
            EmailRequest(
                idempotency_key(self._wid, "email-confirmation"),
                self._task.client_id,
                "appointment_confirmation",
                appointment_id=booking.appointment_id,
                broker_id=self._task.broker_id,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=DEFAULT_RETRY,
        )
        return await self._finish(Outcome.SCHEDULED, "appointment booked", booking.appointment_id)

    async def _finish(self, outcome: Outcome, note: str, appointment_id: str | None = None) -> OutreachResult:
        if outcome is Outcome.OPTED_OUT and not self._dnc_added:
            await self._add_to_dnc("caller")
        if outcome not in (Outcome.DNC_BLOCKED, Outcome.INELIGIBLE):
            await workflow.execute_activity_method(
                FollowUpActivities.write_crm_outcome,
                CrmWriteRequest(
                    idempotency_key(self._wid, "crm-outcome"),
                    self._task.campaign_id,
                    self._task.client_id,
                    outcome,
                    f"Gyde campaign outcome: {outcome.value} ({note}); attempts: {self._attempt}",
                    appointment_id,
                ),
                start_to_close_timeout=SHORT,
                retry_policy=DEFAULT_RETRY,
            )
        self._outcome = outcome
        self._next_call_at = None
        workflow.upsert_search_attributes([sa.OUTCOME.value_set(outcome.value)])
        self._set_stage(ClientStage.DONE, f"finished: {outcome.value}")
        await self._report_finished(outcome)
        return OutreachResult(
            self._task.campaign_id, self._task.client_id, outcome, self._attempt, appointment_id
        )

    async def _report_finished(self, outcome: Outcome) -> None:
        campaign = _campaign()
        if campaign is None:
            return
        await campaign.signal(
            campaign_wf.CampaignWorkflow.client_finished, ClientFinished(self._task.client_id, outcome)
        )

    # --- presentation -----------------------------------------------------------------------

    def _set_stage(self, stage: ClientStage, doing: str) -> None:
        self._stage = stage
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CLIENT_STAGE.value_set(stage.value),
            sa.ATTEMPT.value_set(self._attempt),
        ]
        updates.append(
            sa.NEXT_CALL_AT.value_set(self._next_call_at)
            if self._next_call_at
            else sa.NEXT_CALL_AT.value_unset()
        )
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details(doing))

    def _details(self, doing: str) -> str:
        """What the Temporal UI shows a campaign manager, in words; ids only, never PHI."""
        lines = [
            f"**{doing}**",
            f"client `{self._task.client_id}` · attempt {self._attempt}/{self._task.max_attempts}",
        ]
        if self._next_call_at:
            lines.append(f"next call at {self._next_call_at.isoformat()} (UTC)")
        if self._conversation_stage:
            lines.append(f"conversation stage: {self._conversation_stage.value}")
        return "\n".join(lines)

    def _note(self, text: str) -> None:
        self._last_event = text
        workflow.logger.info("outreach %s: %s", self._task.client_id, text)


def _campaign() -> ExternalWorkflowHandle[campaign_wf.CampaignWorkflow] | None:
    """The campaign that started this client (it schedules dials and counts outcomes), if any."""
    parent = workflow.info().parent
    if parent is None:
        return None
    return workflow.get_external_workflow_handle_for(campaign_wf.CampaignWorkflow.run, parent.workflow_id)


def _dial_queue() -> str:
    """Workflows may not read settings, so the dial queue is named after this workflow's own
    task queue (domain.ids.dial_task_queue); worker.py serves both."""
    return dial_task_queue(workflow.info().task_queue)


def _cause(err: ActivityError) -> str:
    cause = err.cause
    return str(cause.message) if isinstance(cause, ApplicationError) else str(cause or err)


# Imported last: campaign.py imports this module for ClientOutreachWorkflow, and this module needs
# CampaignWorkflow's typed signal references; importing at the bottom resolves the cycle either way.
with workflow.unsafe.imports_passed_through():
    import workflows.campaign as campaign_wf  # noqa: E402
