"""The media server's only door to Temporal: CallControl for one call, as signals and updates to the
client's `ClientOutreachWorkflow`.

- Stage changes are signalled in the background, so a turn never waits on Temporal, and are
  coalesced: the first of a call at once (the workflow learns the conversation began), then at
  most one per `stage_interval` carrying the latest stage; the stage the call ended in always
  travels in `call_ended`. The live stage of every call is in the session store; the workflow
  needs only the start and the end, and each signal costs a workflow task.
- Opt-out is signalled at once (and awaited): it must reach the workflow even if the call dies next.
- Bookings, callbacks and transfers are workflow updates, so the workflow validates and makes them
  durable; a validator's refusal becomes `BookingRejected`. Update ids are derived from the call sid
  and the request, so a retried request is deduplicated by Temporal.
- Call end drops a stage signal still waiting (its stage goes in the report), waits for one in
  flight, then signals `call_ended` with a PHI-redacted summary and the last stage.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError

from domain.call_control import BookingRejected
from domain.enums import CallbackOwner, CallResult, ProductType, Stage
from domain.messages import (
    BookAppointmentRequest,
    BookingConfirmation,
    CallbackConfirmation,
    CallbackRequest,
    CallEnded,
    OptOutRequest,
    StageChange,
    TransferAsk,
    TransferDecision,
)
from media_server.agent import CallContext
from security.redaction import redact
from workflows.outreach import ClientOutreachWorkflow

log = logging.getLogger(__name__)

RPC_TIMEOUT = timedelta(seconds=30)  # updates run activities (booking, transfer): allow for a slow one
STAGE_INTERVAL = timedelta(seconds=15)  # at most one stage signal per interval after the first


def _rejection(exc: WorkflowUpdateFailedError) -> str:
    cause = exc.cause
    message = getattr(cause, "message", None) or str(cause)
    return str(message)


class WorkflowBridge:
    """Implements domain.call_control.CallControl for one call (one workflow id + call sid)."""

    def __init__(
        self,
        client: Client,
        workflow_id: str,
        call_sid: str,
        prompt_version: str = "",
        rpc_timeout: timedelta = RPC_TIMEOUT,
        stage_interval: timedelta = STAGE_INTERVAL,
    ) -> None:
        self._handle: WorkflowHandle[ClientOutreachWorkflow, object] = client.get_workflow_handle_for(
            ClientOutreachWorkflow.run, workflow_id
        )
        self.workflow_id = workflow_id
        self.call_sid = call_sid
        self.prompt_version = prompt_version
        self._rpc_timeout = rpc_timeout
        self._stage_interval = stage_interval.total_seconds()
        self._stage: Stage | None = None  # the latest stage
        self._signalled: Stage | None = None  # the latest stage the workflow was sent
        self._last_sent_at: float | None = None  # loop time of the last stage signal
        self._stage_task: asyncio.Task[None] | None = None
        self._sending = False
        self._ending = False
        self.stage_signals = 0
        self.last_transfer: TransferDecision | None = None

    # --- signals --------------------------------------------------------------------------------

    async def stage_changed(self, stage: Stage) -> None:
        self._stage = stage
        if not self._ending and (self._stage_task is None or self._stage_task.done()):
            self._stage_task = asyncio.create_task(self._send_stages())

    def _wait_before_next(self) -> float:
        if self._last_sent_at is None:
            return 0.0
        loop = asyncio.get_running_loop()
        return max(0.0, self._last_sent_at + self._stage_interval - loop.time())

    async def _send_stages(self) -> None:
        """Send the latest stage, no sooner than the interval after the last send; changes
        meanwhile fold into one signal. Ends when the workflow has the latest stage."""
        while not self._ending:
            delay = self._wait_before_next()
            if delay:
                await asyncio.sleep(delay)
            stage = self._stage
            if stage is None or stage is self._signalled:
                return
            self._sending = True
            try:
                await self._handle.signal(
                    ClientOutreachWorkflow.stage_changed,
                    StageChange(self.call_sid, stage),
                    rpc_timeout=self._rpc_timeout,
                )
                self._signalled = stage
                self.stage_signals += 1
            except Exception as exc:  # the call goes on; the workflow still gets the outcome
                log.warning("stage signal failed for %s: %s", self.workflow_id, type(exc).__name__)
                return
            finally:
                self._sending = False
                self._last_sent_at = asyncio.get_running_loop().time()

    async def opt_out(self) -> None:
        await self._handle.signal(
            ClientOutreachWorkflow.opt_out,
            OptOutRequest(self.call_sid, "caller"),
            rpc_timeout=self._rpc_timeout,
        )

    async def end_call(self, result: CallResult, summary: str, callback_at: datetime | None = None) -> None:
        self._ending = True
        task = self._stage_task
        if task is not None and not self._sending:
            task.cancel()  # waiting out the interval: its stage goes in the report instead
        if task is not None:
            await asyncio.wait([task])  # never raises the task's error; our own cancel still does
        await self._handle.signal(
            ClientOutreachWorkflow.call_ended,
            CallEnded(
                call_sid=self.call_sid,
                result=result,
                summary=redact(summary),
                callback_at=callback_at,
                prompt_version=self.prompt_version,
                last_stage=self._stage,
            ),
            rpc_timeout=self._rpc_timeout,
        )

    # --- queries --------------------------------------------------------------------------------

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        """The broker slots the workflow validates a booking against (its `free_slots` query), so
        the agent never offers a slot the workflow would refuse, whatever the calendar source."""
        free = await self._handle.query(ClientOutreachWorkflow.free_slots, rpc_timeout=self._rpc_timeout)
        return [slot for slot in free.slots if start <= slot < end]

    # --- updates --------------------------------------------------------------------------------

    async def book_appointment(self, slot_start: datetime, product: ProductType) -> BookingConfirmation:
        try:
            return await self._handle.execute_update(
                ClientOutreachWorkflow.book_appointment,
                BookAppointmentRequest(self.call_sid, slot_start, product),
                id=f"{self.call_sid}:book:{slot_start.isoformat()}",
                rpc_timeout=self._rpc_timeout,
            )
        except WorkflowUpdateFailedError as exc:
            raise BookingRejected(_rejection(exc)) from exc

    async def request_callback(self, callback_at: datetime, owner: CallbackOwner) -> CallbackConfirmation:
        try:
            return await self._handle.execute_update(
                ClientOutreachWorkflow.request_callback,
                CallbackRequest(self.call_sid, callback_at, owner),
                id=f"{self.call_sid}:callback:{callback_at.isoformat()}:{owner.value}",
                rpc_timeout=self._rpc_timeout,
            )
        except WorkflowUpdateFailedError as exc:
            raise BookingRejected(_rejection(exc)) from exc

    async def transfer_to_broker(self) -> bool:
        try:
            decision = await self._handle.execute_update(
                ClientOutreachWorkflow.request_transfer,
                TransferAsk(self.call_sid),
                id=f"{self.call_sid}:transfer",
                rpc_timeout=self._rpc_timeout,
            )
        except WorkflowUpdateFailedError as exc:
            log.info("transfer refused for %s: %s", self.workflow_id, _rejection(exc))
            return False
        self.last_transfer = decision
        return decision.transferring


class BridgeFactory:
    """`control_factory` for SessionServices: one bridge per call on a shared Temporal client."""

    def __init__(self, client: Client, prompt_version: str = "") -> None:
        self._client = client
        self._prompt_version = prompt_version

    def __call__(self, ctx: CallContext) -> WorkflowBridge:
        return WorkflowBridge(self._client, ctx.workflow_id, ctx.call_sid, self._prompt_version)
