"""A broker's promised callback to a client: reminder before, completion by signal, reschedule by
update, escalation when it is missed. It outlives the client workflow that started it."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import FollowUpSteps
    from domain.enums import CallbackOwner
    from domain.ids import idempotency_key
    from domain.messages import (
        BrokerCallbackResult,
        BrokerCallbackTask,
        CallbackCancelled,
        CallbackCompleted,
        CallbackRecordRequest,
        CallbackStatusRequest,
        CallbackTimeChange,
        EmailRequest,
        RescheduleRequest,
    )

SHORT = timedelta(seconds=30)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
FOLLOW_UP_AFTER_ESCALATION = timedelta(days=2)


@workflow.defn
class BrokerCallbackWorkflow:
    @workflow.init
    def __init__(self, task: BrokerCallbackTask) -> None:
        self._task = task
        self._callback_at = task.callback_at
        self._completed = False
        self._reschedules = 0
        self._status = "scheduled"
        self._rescheduled = False
        self._cancelled = False

    @workflow.run
    async def run(self, task: BrokerCallbackTask) -> BrokerCallbackResult:
        wid = workflow.info().workflow_id
        while True:
            if self._cancelled:  # woken by the signal: each wait below `continue`s to here
                return await self._cancel()
            self._rescheduled = False
            round_ = self._reschedules
            remind_at = self._callback_at - timedelta(minutes=task.remind_minutes_before)
            self._show(f"callback at {self._callback_at.isoformat()}; reminder at {remind_at.isoformat()}")
            if await self._wait_until(remind_at):
                if self._completed:
                    break
                continue
            await self._email(wid, f"reminder-{round_}", "broker_callback_reminder")
            self._status = "reminded"
            self._show(f"broker reminded; callback due {self._callback_at.isoformat()}")
            if await self._wait_until(self._callback_at + timedelta(minutes=task.grace_minutes)):
                if self._completed:
                    break
                continue
            self._status = "missed"
            await self._email(wid, f"missed-{round_}", "broker_callback_missed")
            await workflow.execute_activity_method(
                FollowUpSteps.create_crm_task,
                CallbackRecordRequest(
                    idempotency_key(wid, f"escalation-{round_}"),
                    task.campaign_id,
                    task.client_id,
                    task.broker_id,
                    self._callback_at,
                    CallbackOwner.BROKER,
                ),
                start_to_close_timeout=SHORT,
                retry_policy=RETRY,
            )
            self._status = "escalated"
            self._show("missed: escalated to the broker's CRM tasks")
            if await self._wait_until(workflow.now() + FOLLOW_UP_AFTER_ESCALATION):
                if self._completed:
                    break
                continue
            await self._set_status("missed")
            return BrokerCallbackResult(task.callback_id, "missed", self._reschedules)
        await self._set_status("completed")
        self._status = "completed"
        return BrokerCallbackResult(task.callback_id, "completed", self._reschedules)

    @workflow.signal
    def completed(self, event: CallbackCompleted) -> None:
        """A signal: the broker marked it done; nothing to answer, the timer just stops mattering."""
        self._completed = True

    @workflow.signal
    def cancelled(self, event: CallbackCancelled) -> None:
        """A signal from the client's run: the client opted out, so the callback is off (no
        reminder, no escalation). One already completed stays completed."""
        if not self._completed:
            self._cancelled = True

    @workflow.update
    async def reschedule(self, request: RescheduleRequest) -> datetime:
        """An update: the caller needs the new time back (or the refusal) before answering the
        broker, and the move is written (move_callback) before the answer returns."""
        await workflow.execute_activity_method(
            FollowUpSteps.move_callback,
            CallbackTimeChange(self._task.callback_id, request.callback_at),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )
        self._callback_at = request.callback_at
        self._reschedules += 1
        self._rescheduled = True
        self._status = "rescheduled"
        return self._callback_at

    @reschedule.validator
    def _validate_reschedule(self, request: RescheduleRequest) -> None:
        if self._completed:
            raise ValueError("callback already completed")
        if self._cancelled:
            raise ValueError("callback cancelled: the client opted out")
        if request.callback_at.tzinfo is None:
            raise ValueError("callback time must carry a time zone")
        if request.callback_at <= workflow.now():
            raise ValueError("callback time is in the past")

    @workflow.query
    def status(self) -> str:
        """A query: read-only, never written to history."""
        return self._status

    async def _wait_until(self, when: datetime) -> bool:
        """Sleep until `when`; True if woken early by completion or a reschedule."""
        delay = when - workflow.now()
        if delay <= timedelta(0):
            return self._completed or self._rescheduled or self._cancelled
        try:
            await workflow.wait_condition(
                lambda: self._completed or self._rescheduled or self._cancelled, timeout=delay
            )
            return True
        except TimeoutError:
            return False

    async def _email(self, wid: str, step: str, template: str) -> None:
        await workflow.execute_activity_method(
            FollowUpSteps.send_email,
            EmailRequest(
                idempotency_key(wid, step),
                self._task.client_id,
                template,
                callback_id=self._task.callback_id,
                broker_id=self._task.broker_id,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )

    async def _cancel(self) -> BrokerCallbackResult:
        await self._set_status("cancelled")
        self._status = "cancelled"
        self._show("cancelled: the client opted out")
        return BrokerCallbackResult(self._task.callback_id, "cancelled", self._reschedules)

    async def _set_status(self, status: str) -> None:
        await workflow.execute_activity_method(
            FollowUpSteps.set_callback_status,
            CallbackStatusRequest(self._task.callback_id, status),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )

    def _show(self, text: str) -> None:
        workflow.set_current_details(f"**{self._status}**\n{text}\nclient `{self._task.client_id}`")
