"""The media server's only door to Temporal: CallControl for one call, as signals and updates to the
client's `ClientOutreachWorkflow`.

- Stage changes are signalled in the background, in order, so a turn never waits on Temporal.
- Opt-out is signalled at once (and awaited): it must reach the workflow even if the call dies next.
- Bookings, callbacks and transfers are workflow updates, so the workflow validates and makes them
  durable; a validator's refusal becomes `BookingRejected`. Update ids are derived from the call sid
  and the request, so a retried request is deduplicated by Temporal.
- Call end waits for the stage signals already queued, then signals `call_ended` with a
  PHI-redacted summary.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    ) -> None:
        self._handle: WorkflowHandle[ClientOutreachWorkflow, object] = client.get_workflow_handle_for(
            ClientOutreachWorkflow.run, workflow_id
        )
        self.workflow_id = workflow_id
        self.call_sid = call_sid
        self.prompt_version = prompt_version
        self._rpc_timeout = rpc_timeout
        self._stages: asyncio.Queue[Stage] = asyncio.Queue()
        self._stage_task: asyncio.Task[None] | None = None
        self.last_transfer: TransferDecision | None = None

    # --- signals --------------------------------------------------------------------------------

    async def stage_changed(self, stage: Stage) -> None:
        self._stages.put_nowait(stage)
        if self._stage_task is None or self._stage_task.done():
            self._stage_task = asyncio.create_task(self._send_stages())

    async def _send_stages(self) -> None:
        while not self._stages.empty():
            stage = self._stages.get_nowait()
            try:
                await self._handle.signal(
                    ClientOutreachWorkflow.stage_changed,
                    StageChange(self.call_sid, stage),
                    rpc_timeout=self._rpc_timeout,
                )
            except Exception as exc:  # the call goes on; the workflow still gets the outcome
                log.warning("stage signal failed for %s: %s", self.workflow_id, type(exc).__name__)

    async def opt_out(self) -> None:
        await self._handle.signal(
            ClientOutreachWorkflow.opt_out,
            OptOutRequest(self.call_sid, "caller"),
            rpc_timeout=self._rpc_timeout,
        )

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        raise NotImplementedError("lead implements")  # lead implements: a workflow query (issue 10, defect 9)

    async def end_call(self, result: CallResult, summary: str, callback_at: datetime | None = None) -> None:
        if self._stage_task is not None:
            with contextlib.suppress(Exception):
                await self._stage_task
        await self._handle.signal(
            ClientOutreachWorkflow.call_ended,
            CallEnded(
                call_sid=self.call_sid,
                result=result,
                summary=redact(summary),
                callback_at=callback_at,
                prompt_version=self.prompt_version,
            ),
            rpc_timeout=self._rpc_timeout,
        )

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
