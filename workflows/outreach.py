"""One client's durable lifecycle: screen, wait for the calling window, dial, follow the call by
signals, act on its outcome, retry or call back, and end with exactly one terminal outcome.

The decisions are `workflows.outreach_steps.next_step` over one `OutreachState`; this class
carries out each action (activities, timers, waits on signals) and holds the message handlers.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from domain.calling_window import clamp_into_window
    from domain.enums import CallbackOwner, ClientStage, Outcome
    from domain.messages import (
        BookAppointmentRequest,
        BookingConfirmation,
        CallbackConfirmation,
        CallbackRequest,
        CallEnded,
        CallStatusEvent,
        ClientTask,
        ConsentEvent,
        DialPermit,
        FreeSlots,
        OptOutRequest,
        OutreachResult,
        OutreachStatus,
        RecordingEvent,
        StageChange,
        TransferAsk,
        TransferDecision,
        TransferLegResult,
    )
    from workflows import dial_permits
    from workflows import outreach_effects as fx
    from workflows import search_attributes as sa
    from workflows.client_attributes import ClientAttributes
    from workflows.outreach_follow_ups import follow_ups, slot_back_if_slow
    from workflows.outreach_patches import (
        SLOT_BACK_WHILE_FOLLOW_UPS_RUN,
        lean,
        machine_over_unclear,
        wait_for_end_report,
    )
    from workflows.outreach_state import CallState, OutreachState
    from workflows.outreach_steps import (
        Action,
        AdoptCall,
        AskPermit,
        AwaitTransfer,
        BrokerAvailability,
        BrokerHandedOver,
        CallbackRecorded,
        CallOver,
        CheckBrokerAvailability,
        Dial,
        Dialled,
        Event,
        Finish,
        FollowCall,
        HandToBroker,
        PermitAnswered,
        PermitExpired,
        RecordCallback,
        Screen,
        Screened,
        Sleep,
        Started,
        TransferSettled,
        Waited,
        call_verdict,
        next_step,
    )

HOLDS_PERMIT = (Dial, AdoptCall, FollowCall)


@workflow.defn
class ClientOutreachWorkflow:
    @workflow.init
    def __init__(self, task: ClientTask) -> None:
        self._s = OutreachState(task=task)
        self._holding_permit = False
        self._call_result = ""  # how the last call ended, for the campaign's breakers
        self._attrs = ClientAttributes()

    # --- run --------------------------------------------------------------------------------

    @workflow.run
    async def run(self, task: ClientTask) -> OutreachResult:
        try:
            action: Action = next_step(self._s, Started(), workflow.now())
            while not isinstance(action, Finish):
                event = await self._perform(action)
                action = next_step(self._s, event, workflow.now())
                if self._holding_permit and not isinstance(action, HOLDS_PERMIT):
                    if isinstance(action, Finish) and lean():
                        break  # the finish report gives the slot back (dial_permits.py)
                    await self._release_permit()
            return await self._finish(action)
        except (FailureError, asyncio.CancelledError):
            # The workflow fails (or is cancelled): the campaign still learns it ended, and the
            # outcome search attribute says so (the campaign's reconcile skips what set one).
            if self._s.outcome is None:
                await self._report_failure()
            raise

    async def _report_failure(self) -> None:
        self._s.outcome = Outcome.FAILED
        self._attrs.set([(sa.OUTCOME, Outcome.FAILED.value)], coalesce=lean())
        self._set_stage(ClientStage.DONE, "failed")
        self._attrs.flush()
        if self._holding_permit:
            await self._release_permit()
        await dial_permits.report_finished(self._s.task.client_id, Outcome.FAILED)

    async def _perform(self, action: Action) -> Event:
        match action:
            case Screen():
                return await self._screen()
            case Sleep(until, stage, reason):
                return await self._sleep(until, stage, reason)
            case AskPermit(until):
                return await self._ask_permit(until)
            case Dial(attempt, delay):
                return await self._dial(attempt, delay)
            case AdoptCall(call_sid, attempt):
                return await self._adopt(call_sid, attempt)
            case FollowCall(call_sid):
                return await self._follow_call(call_sid)
            case RecordCallback(at, owner):
                return CallbackRecorded(await self._record_callback(at, owner))
            case HandToBroker(at):
                return BrokerHandedOver(await self._hand_to_broker(at))
            case CheckBrokerAvailability():
                return BrokerAvailability(await fx.broker_availability(self._s.task))
            case AwaitTransfer(timeout):
                try:
                    await workflow.wait_condition(lambda: self._s.transfer_settled, timeout=timeout)
                except TimeoutError:
                    self._note("no transfer result from telephony; assuming the bridge held")
                return TransferSettled()
        raise TypeError(f"cannot perform {action!r}")

    # --- signals ----------------------------------------------------------------------------
    # Signals carry what telephony and the media server observed: fire-and-forget facts that
    # need no answer, so they are signals, not updates. Each is applied by OutreachState, which
    # ignores any call this workflow did not place.

    @workflow.signal
    async def call_status(self, event: CallStatusEvent) -> None:
        """A Twilio status/AMD callback. A live call of ours that is not the followed one (a
        duplicate create after a lost answer) is hung up here."""
        stray = self._s.on_call_status(event)
        if stray is not None:
            self._note("hanging up a call this workflow does not follow")
            await self._hangup(stray)

    @workflow.signal
    def transfer_result(self, event: TransferLegResult) -> None:
        """The broker leg's result: only a completed bridge means the client was handed over."""
        if self._s.own_call(event.call_sid) is None:
            self._s.last_event = "transfer result for an unknown call ignored"
            return
        self._s.transferring = event.status.bridged
        self._s.transfer_settled = True
        self._s.last_event = f"transfer {event.status.value}"

    @workflow.signal
    async def recording(self, event: RecordingEvent) -> None:
        """Every recording Twilio reports is registered for retention once."""
        if self._s.own_call(event.call_sid) is None or event.recording_sid in self._s.recordings:
            return
        self._s.recordings.add(event.recording_sid)
        self._s.last_event = "recording registered"
        await fx.register_recording(self._s.task, event)

    @workflow.signal
    async def consent(self, event: ConsentEvent) -> None:
        """Recording consent: applied to the call, and written to the consent ledger (the
        workflow history expires; the ledger is the evidence)."""
        if not self._s.on_consent(event) or event.call_sid in self._s.consents_recorded:
            return
        self._s.consents_recorded.add(event.call_sid)
        await fx.record_recording_consent(self._s.task, event)

    @workflow.signal
    def stage_changed(self, event: StageChange) -> None:
        if not self._s.on_stage(event.call_sid, event.stage):
            return
        if self._s.stage in (ClientStage.CONSENT, ClientStage.RINGING, ClientStage.DIALING):
            self._set_stage(ClientStage.IN_CONVERSATION, f"talking ({event.stage.value})")
        else:
            workflow.set_current_details(self._s.details(f"talking ({event.stage.value})"))

    @workflow.signal
    def opt_out(self, event: OptOutRequest) -> None:
        """A signal, not an update: it must land even if the call dies the next instant."""
        self._s.on_opt_out(event.call_sid, event.source)

    @workflow.signal
    def call_ended(self, event: CallEnded) -> None:
        self._s.on_call_ended(event)

    @workflow.signal
    def dial_permit(self, permit: DialPermit) -> None:
        """The campaign's answer to request_dial (dial_permits.py holds the contract)."""
        self._s.on_permit(permit)

    @workflow.signal
    def stop(self) -> None:
        """The campaign was cancelled: finish the live call, then dial no more."""
        self._s.stopped = True

    # --- updates ----------------------------------------------------------------------------
    # Durable writes the media server asks for mid-call are updates: the caller needs the answer
    # (booked or not, and why), and the validator refuses a bad request before history records it.

    @workflow.update
    async def book_appointment(self, request: BookAppointmentRequest) -> BookingConfirmation:
        self._s.booking_in_flight = True
        try:
            confirmation = await fx.book(self._s.task, request)
        except ActivityError as err:
            if request.slot_start in self._s.free_slots:
                self._s.free_slots.remove(request.slot_start)
            raise ApplicationError(f"booking failed: {fx.cause(err)}", type="BookingRejected") from err
        finally:
            self._s.booking_in_flight = False
        self._s.booking = confirmation
        self._s.last_event = "appointment booked"
        return confirmation

    @book_appointment.validator
    def _validate_booking(self, request: BookAppointmentRequest) -> None:
        self._s.validate_booking(request)

    @workflow.update
    async def request_callback(self, request: CallbackRequest) -> CallbackConfirmation:
        self._s.callback_in_flight = True
        try:
            if request.owner is CallbackOwner.BROKER:
                return await self._hand_to_broker(request.callback_at)
            at = clamp_into_window(request.callback_at, self._s.timezone, self._s.task.window)
            return await self._record_callback(at, CallbackOwner.AI)
        finally:
            self._s.callback_in_flight = False

    @request_callback.validator
    def _validate_callback(self, request: CallbackRequest) -> None:
        self._s.validate_callback(request, workflow.now())

    @workflow.update
    async def request_transfer(self, request: TransferAsk) -> TransferDecision:
        self._s.transfer_in_flight = True
        try:
            availability = await fx.broker_availability(self._s.task)
            if not availability.available_now:
                return TransferDecision(False, "broker not available now", availability.next_free_slot)
            self._set_stage(ClientStage.TRANSFERRING, "transferring to broker")
            result = await fx.transfer(self._s.task, self._s.attempt, request.call_sid)
            self._s.transferring = result.connected
            reason = "transferring" if result.connected else "call ended before transfer"
            return TransferDecision(result.connected, reason, availability.next_free_slot)
        finally:
            self._s.transfer_in_flight = False

    @request_transfer.validator
    def _validate_transfer(self, request: TransferAsk) -> None:
        self._s.validate_transfer(request)

    # --- queries ----------------------------------------------------------------------------
    # Reads with no side effect: queries, so asking never adds to the history.

    @workflow.query
    def status(self) -> OutreachStatus:
        s = self._s
        return OutreachStatus(
            campaign_id=s.task.campaign_id,
            client_id=s.task.client_id,
            stage=s.stage,
            conversation_stage=s.conversation_stage,
            attempt=s.attempt,
            last_event=s.last_event,
            next_call_at=s.next_call_at,
            outcome=s.outcome,
            call_sid=s.call_sid,
            as_of=workflow.now(),
        )

    @workflow.query
    def free_slots(self) -> FreeSlots:
        """The broker slots a booking is validated against: the agent offers from this list."""
        return FreeSlots(broker_id=self._s.task.broker_id, slots=tuple(sorted(self._s.free_slots)))

    # --- steps ------------------------------------------------------------------------------

    async def _screen(self) -> Event:
        result = await fx.screen(self._s.task)
        if not result.allowed:
            self._note(f"screened out: {result.reason}")
        return Screened(result)

    async def _sleep(self, until: datetime, stage: ClientStage, reason: str) -> Event:
        """A durable timer that an opt-out or a campaign stop cuts short."""
        self._set_stage(stage, reason)
        delay = until - workflow.now()
        if delay > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._s.opted_out or self._s.stopped, timeout=delay, timeout_summary=reason
                )
            except TimeoutError:
                pass
        return Waited()

    async def _ask_permit(self, until: datetime) -> Event:
        """A dial slot from the campaign (it caps live calls and paces dials); the request is
        given back when the calling window closes first, or the client opts out, or the
        campaign stops."""
        self._s.permit_seq += 1
        self._s.permit = None
        if not await dial_permits.request(
            self._s.task.client_id, self._s.permit_seq, callback=self._s.callback_due
        ):
            self._holding_permit = False
            return PermitAnswered(True)  # no campaign: nothing to share
        self._set_stage(ClientStage.WAITING_WINDOW, "waiting for a dial slot")
        try:
            await workflow.wait_condition(
                lambda: self._s.permit is not None or self._s.opted_out or self._s.stopped,
                timeout=max(until - workflow.now(), timedelta(seconds=1)),
            )
        except TimeoutError:
            await dial_permits.release(self._s.task.client_id, self._s.permit_seq)
            return PermitExpired()
        permit = self._s.permit
        if permit is None:
            await dial_permits.release(self._s.task.client_id, self._s.permit_seq)
            return Waited()
        self._holding_permit = permit.granted
        if permit.granted:
            self._s.callback_due = False
        return PermitAnswered(permit.granted)

    async def _release_permit(self) -> None:
        await dial_permits.release(self._s.task.client_id, self._s.permit_seq, self._hand_back_slot())

    def _hand_back_slot(self) -> str:
        """Stop holding the dial slot; the held call's result, for whoever reports it back."""
        self._holding_permit = False
        result, self._call_result = self._call_result, ""
        return result

    async def _dial(self, attempt: int, delay: timedelta) -> Event:
        if delay > timedelta(0):
            await workflow.sleep(delay)
        else:
            self._s.free_slots = await fx.free_slots(self._s.task)
        self._set_stage(ClientStage.DIALING, f"dialing (attempt {attempt})")
        try:
            placed = await fx.place_call(self._s.task, attempt)
        except ActivityError as err:
            self._note(f"dial failed: {fx.cause(err)}")
            return Dialled(attempt, None, fx.cause(err), retryable=not fx.non_retryable(err))
        return Dialled(attempt, placed)

    async def _adopt(self, call_sid: str, attempt: int) -> Event:
        adopted = await fx.adopt_call(self._s.task, attempt, call_sid)
        self._note("adopted the call a status callback reported for this attempt")
        return Dialled(attempt, adopted)

    async def _follow_call(self, sid: str) -> Event:
        """Wait on the call's signals (ring, answer, conversation end) with timeouts; hang up a
        call that outlives them. The verdict waits for updates in flight (a booking the caller
        hung up on still lands first)."""
        s, task = self._s, self._s.task
        attempt = s.dialling_attempt or s.attempt
        for stray in s.adopt(sid, attempt):
            await self._hangup(stray)
        call = s.calls[sid]
        self._set_stage(ClientStage.RINGING, "ringing")
        rang_out = overran = False
        try:
            await workflow.wait_condition(
                lambda: call.answered or call.final_status is not None or call.ended is not None,
                timeout=timedelta(seconds=task.ring_timeout_seconds + 15),
            )
        except TimeoutError:
            await self._hangup(sid)
            rang_out = True
        if not rang_out and call_verdict(call).unanswered is None:
            self._set_stage(ClientStage.CONSENT, "answered, asking for recording consent")
            overran = await self._until_call_over(sid, call)
        await workflow.wait_condition(lambda: not s.updates_in_flight)
        verdict = call_verdict(
            call, rang_out=rang_out, overran=overran, machine_over_unclear=machine_over_unclear(call)
        )
        self._set_stage(ClientStage.WRAP_UP, "call ended, wrapping up")
        outcome_text = (
            verdict.result.value if verdict.result else (verdict.unanswered or Outcome.FAILED).value
        )
        self._call_result = outcome_text
        usage = call.ended.usage if call.ended is not None else None
        await fx.record_attempt_result(task, attempt, sid, outcome_text, usage, call.duration_seconds)
        return CallOver(verdict)

    async def _until_call_over(self, sid: str, call: CallState) -> bool:
        """Until the media server or telephony says the call is over; True when it ran past
        max_call_minutes and was hung up. An opt-out goes on the DNC list at once, mid-call."""
        s, task = self._s, self._s.task
        deadline = workflow.now() + timedelta(minutes=task.max_call_minutes)
        while True:
            try:
                await workflow.wait_condition(
                    lambda: not call.live or (s.opted_out and not s.dnc_added),
                    timeout=max(deadline - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                await self._hangup(sid)
                return True
            if s.opted_out and not s.dnc_added:
                await self._add_to_dnc()
                continue
            break
        if call.ended is None and wait_for_end_report(call):
            # Telephony says the call is over but the media server has not reported: give it a
            # bounded grace, then treat the call as dropped (media server died) and retry.
            try:
                await workflow.wait_condition(
                    lambda: call.ended is not None, timeout=timedelta(seconds=task.call_end_grace_seconds)
                )
            except TimeoutError:
                pass
        return False

    async def _hangup(self, sid: str) -> None:
        await fx.hangup(sid)

    async def _add_to_dnc(self) -> None:
        await fx.add_to_dnc(self._s.task)
        self._s.dnc_added = True

    async def _record_callback(self, at: datetime, owner: CallbackOwner) -> CallbackConfirmation:
        s = self._s
        s.callback_seq += 1
        confirmation = await fx.record_callback(s.task, s.callback_seq, at, owner)
        s.callback = confirmation
        s.last_event = f"callback scheduled ({owner.value})"
        return confirmation

    async def _hand_to_broker(self, at: datetime) -> CallbackConfirmation:
        """The broker calls the client personally: a callback record plus its own workflow."""
        confirmation = await self._record_callback(at, CallbackOwner.BROKER)
        if self._s.broker_callback_workflow_id is None:
            started = await fx.start_broker_callback(self._s.task, confirmation, self._s.attempt)
            self._s.broker_callback_workflow_id = started
            self._s.broker_callback_id = confirmation.callback_id
        return confirmation

    async def _finish(self, finish: Finish) -> OutreachResult:
        s, task = self._s, self._s.task
        outcome = finish.outcome
        appointment_id = s.booking.appointment_id if outcome is Outcome.SCHEDULED and s.booking else None
        work = follow_ups(s, finish, appointment_id, self._add_to_dnc, self._note)
        if self._holding_permit and workflow.patched(SLOT_BACK_WHILE_FOLLOW_UPS_RUN):
            await slot_back_if_slow(work, self._release_permit, self._note)
        else:
            await work
        s.next_call_at = None
        self._attrs.set([(sa.OUTCOME, outcome.value)], coalesce=lean())
        s.outcome = outcome
        self._set_stage(ClientStage.DONE, f"finished: {outcome.value}")
        self._attrs.flush()  # now, not after the workflow completed
        # The lean lifecycle's last call still holds its slot: it goes back with this report.
        call_result = self._hand_back_slot() if self._holding_permit else ""
        await dial_permits.report_finished(task.client_id, outcome, call_result)
        return OutreachResult(task.campaign_id, task.client_id, outcome, s.attempt, appointment_id)

    # --- presentation -----------------------------------------------------------------------

    def _set_stage(self, stage: ClientStage, doing: str) -> None:
        s = self._s
        s.stage = stage
        self._attrs.set(
            [(sa.CLIENT_STAGE, stage.value), (sa.ATTEMPT, s.attempt), (sa.NEXT_CALL_AT, s.next_call_at)],
            coalesce=lean(),
        )
        workflow.set_current_details(s.details(doing))

    def _note(self, text: str) -> None:
        self._s.last_event = text
        workflow.logger.info("outreach %s: %s", self._s.task.client_id, text)
