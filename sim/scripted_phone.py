"""A scripted phone network: implements the Telephony interface and plays a callee's scripted
call by sending the client workflow exactly the signals and updates that the api's webhooks and
the media server send in a real call. Used by workflow tests and as the quick offline telephony.

In `inline` mode the whole script runs inside `place_call` before it returns, so a
time-skipping test server cannot skip past a step; otherwise it runs in the background in real time.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.service import RPCError, RPCStatusCode

from adapters.telephony.base import CarrierCall, TelephonyError
from domain.enums import (
    CallbackOwner,
    CallResult,
    CallStatus,
    ProductType,
    RecordingStatus,
    Stage,
    TransferLegStatus,
)
from domain.messages import (
    BookAppointmentRequest,
    CallbackRequest,
    CallEnded,
    CallStatusEvent,
    CallUsage,
    ConsentEvent,
    OptOutRequest,
    OutreachResult,
    PlaceCallRequest,
    PlaceCallResult,
    RecordingEvent,
    StageChange,
    TransferAsk,
    TransferLegResult,
)
from workflows.outreach import ClientOutreachWorkflow

log = logging.getLogger("gyde.sim.scripted")


@dataclass(frozen=True)
class Status:
    status: CallStatus


@dataclass(frozen=True)
class Consent:
    given: bool
    method: str = "speech"  # or "dtmf", or domain.messages.CONSENT_UNCLEAR


@dataclass(frozen=True)
class EnterStage:
    stage: Stage


@dataclass(frozen=True)
class Book:
    """Book the first free slot the broker offers (or `slot` when given). `wait=False` goes on
    as soon as the workflow accepted the update (a caller hanging up while it is in flight)."""

    slot: datetime | None = None
    product: ProductType = ProductType.DENTAL
    wait: bool = True


@dataclass(frozen=True)
class AskCallback:
    after: timedelta
    owner: CallbackOwner = CallbackOwner.AI
    wait: bool = True


@dataclass(frozen=True)
class RecordingStarted:
    """Twilio reports a recording of this call (the api's recording webhook)."""


@dataclass(frozen=True)
class AskTransfer:
    broker_answers: bool = True


@dataclass(frozen=True)
class OptOut:
    pass


@dataclass(frozen=True)
class End:
    result: CallResult
    callback_after: timedelta | None = None
    usage: CallUsage | None = None


Step = Status | Consent | EnterStage | Book | AskCallback | AskTransfer | OptOut | End | RecordingStarted
SlotFinder = Callable[[str, datetime], Awaitable[datetime | None]]


def answered_call(*middle: Step, result: CallResult) -> list[Step]:
    """The common shape: ring, answer, consent, conversation steps, end, hang up."""
    return [
        Status(CallStatus.RINGING),
        Status(CallStatus.ANSWERED),
        Consent(True),
        EnterStage(Stage.INTRO),
        *middle,
        End(result),
        Status(CallStatus.COMPLETED),
    ]


def unanswered_call(status: CallStatus) -> list[Step]:
    return [Status(CallStatus.RINGING), Status(status)]


@dataclass
class CarrierFaults:
    """Ways the scripted carrier misbehaves, as Twilio can; each count is used up by the next
    creates. `answer_lost`: the call is created (and rings) but the create's answer never
    arrives; `fail_before_create`: a 5xx/429 before anything exists."""

    answer_lost: int = 0
    fail_before_create: int = 0


@dataclass(frozen=True)
class PlacedCall:
    sid: str
    to_number: str
    created_at: datetime
    request: PlaceCallRequest


@dataclass
class ScriptedPhone:
    """Telephony that plays `script_for(client_id, attempt)` against the client workflow."""

    client: Client
    script_for: Callable[[str, int], Sequence[Step]]
    slot_finder: SlotFinder
    inline: bool = False
    step_delay: float = 0.0
    placed: list[PlaceCallRequest] = field(default_factory=list)
    update_errors: list[str] = field(default_factory=list)
    faults: CarrierFaults = field(default_factory=CarrierFaults)
    created: list[PlacedCall] = field(default_factory=list)
    hung_up: list[str] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        if self.faults.fail_before_create > 0:
            self.faults.fail_before_create -= 1
            raise TelephonyError("scripted carrier: 503 before create")
        sid = f"CA{next(self._counter):032d}"
        self.placed.append(request)
        self.created.append(PlacedCall(sid, to_number, datetime.now(UTC), request))
        script = list(self.script_for(request.client_id, request.attempt))
        if self.inline:
            await self._play(request, sid, script)
        else:
            task = asyncio.create_task(self._play(request, sid, script))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if self.faults.answer_lost > 0:
            self.faults.answer_lost -= 1
            raise TelephonyError("scripted carrier: created, answer lost")
        return PlaceCallResult(call_sid=sid)

    async def find_calls(self, to_number: str, since: datetime) -> list[CarrierCall]:
        return [
            CarrierCall(c.sid, "completed" if c.sid in self.hung_up else "in-progress", c.created_at)
            for c in self.created
            if c.to_number == to_number and c.created_at >= since - timedelta(seconds=10)
        ]

    async def hangup(self, call_sid: str) -> None:
        self.hung_up.append(call_sid)

    async def transfer(
        self, call_sid: str, broker_number: str, whisper_url: str, workflow_id: str | None = None
    ) -> None:
        return None

    async def redirect(self, call_sid: str, twiml_url: str) -> None:
        return None

    async def start_recording(self, call_sid: str, workflow_id: str | None = None) -> str:
        return f"RE{call_sid[2:]}"

    async def delete_recording(self, recording_sid: str) -> None:
        return None

    async def _play(self, request: PlaceCallRequest, sid: str, script: list[Step]) -> None:
        handle = self.client.get_workflow_handle_for(ClientOutreachWorkflow.run, request.workflow_id)
        sequence = itertools.count()
        # Stages as the media server's bridge sends them when they come quicker than its
        # interval: the first at once, the last in the end report (workflow_bridge.py).
        last_stage: Stage | None = None
        for step in script:
            if self.step_delay:
                await asyncio.sleep(self.step_delay)
            try:
                match step:
                    case Status(status):
                        await handle.signal(
                            ClientOutreachWorkflow.call_status,
                            CallStatusEvent(sid, status, next(sequence), attempt=request.attempt),
                        )
                    case Consent(given, method):
                        await handle.signal(ClientOutreachWorkflow.consent, ConsentEvent(sid, given, method))
                    case EnterStage(stage):
                        if last_stage is None:
                            await handle.signal(ClientOutreachWorkflow.stage_changed, StageChange(sid, stage))
                        last_stage = stage
                    case Book(slot, product, wait):
                        when = slot or await self.slot_finder(request.client_id, await self._now(handle))
                        if when is None:
                            raise RuntimeError("no free slot to book")
                        booking = BookAppointmentRequest(sid, when, product)
                        if wait:
                            await handle.execute_update(ClientOutreachWorkflow.book_appointment, booking)
                        else:
                            await handle.start_update(
                                ClientOutreachWorkflow.book_appointment,
                                booking,
                                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                            )
                    case AskCallback(after, owner, wait):
                        ask = CallbackRequest(sid, await self._now(handle) + after, owner)
                        if wait:
                            await handle.execute_update(ClientOutreachWorkflow.request_callback, ask)
                        else:
                            await handle.start_update(
                                ClientOutreachWorkflow.request_callback,
                                ask,
                                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                            )
                    case RecordingStarted():
                        await handle.signal(
                            ClientOutreachWorkflow.recording,
                            RecordingEvent(sid, f"RE{sid[2:]}", RecordingStatus.IN_PROGRESS),
                        )
                    case AskTransfer(broker_answers):
                        decision = await handle.execute_update(
                            ClientOutreachWorkflow.request_transfer, TransferAsk(sid)
                        )
                        if decision.transferring:  # the broker leg's result, as the Dial action reports it
                            leg = (
                                TransferLegStatus.COMPLETED if broker_answers else TransferLegStatus.NO_ANSWER
                            )
                            await handle.signal(
                                ClientOutreachWorkflow.transfer_result, TransferLegResult(sid, leg)
                            )
                    case OptOut():
                        await handle.signal(ClientOutreachWorkflow.opt_out, OptOutRequest(sid))
                    case End(result, callback_after, usage):
                        end_at = await self._now(handle) + callback_after if callback_after else None
                        ended = CallEnded(
                            sid, result, "scripted call", end_at, usage=usage, last_stage=last_stage
                        )
                        await handle.signal(ClientOutreachWorkflow.call_ended, ended)
            except RPCError as err:
                if err.status is RPCStatusCode.NOT_FOUND:
                    return  # the workflow already finished: later network events go nowhere
                raise
            except WorkflowUpdateFailedError as err:
                # The workflow refused (slot taken, opted out...): a real agent hears the error
                # and carries on, so the script does too.
                self.update_errors.append(f"{type(step).__name__}: {err.cause}")
                log.info("scripted call %s: update refused: %s", sid, err.cause)

    async def _now(self, handle: WorkflowHandle[ClientOutreachWorkflow, OutreachResult]) -> datetime:
        """The workflow's clock, not ours: under a time-skipping test server they differ."""
        status = await handle.query(ClientOutreachWorkflow.status)
        if status.as_of is None:
            raise RuntimeError("workflow status has no clock reading")
        return status.as_of

    async def drain(self) -> None:
        """Wait for background scripts (non-inline mode) to finish."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
