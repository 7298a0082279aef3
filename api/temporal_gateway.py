"""The api's only door to Temporal: Twilio webhooks become signals to the client's outreach
workflow (TemporalGateway); campaign steering and broker callbacks become signals, queries and
updates (CampaignControl, also used by `gyde campaign`). Interfaces, so tests and the demo can
pass a fake that records what was sent."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.ids import broker_callback_workflow_id, campaign_workflow_id
from domain.messages import (
    CallbackCompleted,
    CallStatusEvent,
    CampaignInput,
    CampaignLimits,
    CampaignProgress,
    CampaignSpec,
    CampaignSummary,
    ConsentEvent,
    RecordingEvent,
    RescheduleRequest,
    TransferLegResult,
)
from workflows.outreach import ClientOutreachWorkflow

_logger = logging.getLogger("gyde.api.gateway")


class TemporalGateway(Protocol):
    async def call_status(self, workflow_id: str, event: CallStatusEvent) -> None: ...

    async def consent(self, workflow_id: str, event: ConsentEvent) -> None: ...

    async def recording(self, workflow_id: str, event: RecordingEvent) -> None: ...

    async def transfer_result(self, workflow_id: str, event: TransferLegResult) -> None: ...


class TemporalClientGateway:
    """Signals by workflow id. A workflow that no longer exists (finished, never started) is
    logged and ignored: Twilio keeps calling back after a call's workflow has closed."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def call_status(self, workflow_id: str, event: CallStatusEvent) -> None:
        handle = self._client.get_workflow_handle_for(ClientOutreachWorkflow.run, workflow_id)
        try:
            await handle.signal(ClientOutreachWorkflow.call_status, event)
        except RPCError as exc:
            _ignore_not_found(exc, "call_status", workflow_id)

    async def consent(self, workflow_id: str, event: ConsentEvent) -> None:
        handle = self._client.get_workflow_handle_for(ClientOutreachWorkflow.run, workflow_id)
        try:
            await handle.signal(ClientOutreachWorkflow.consent, event)
        except RPCError as exc:
            _ignore_not_found(exc, "consent", workflow_id)

    async def recording(self, workflow_id: str, event: RecordingEvent) -> None:
        handle = self._client.get_workflow_handle_for(ClientOutreachWorkflow.run, workflow_id)
        try:
            await handle.signal(ClientOutreachWorkflow.recording, event)
        except RPCError as exc:
            _ignore_not_found(exc, "recording", workflow_id)

    async def transfer_result(self, workflow_id: str, event: TransferLegResult) -> None:
        handle = self._client.get_workflow_handle_for(ClientOutreachWorkflow.run, workflow_id)
        try:
            await handle.signal(ClientOutreachWorkflow.transfer_result, event)
        except RPCError as exc:
            _ignore_not_found(exc, "transfer_result", workflow_id)


def _ignore_not_found(exc: RPCError, signal: str, workflow_id: str) -> None:
    if exc.status != RPCStatusCode.NOT_FOUND:
        raise exc
    _logger.info("signal %s dropped: workflow %s is not running", signal, workflow_id)


# --- campaigns and broker callbacks -------------------------------------------------------------


class TemporalUnavailable(RuntimeError):
    """Temporal (or a worker to answer a query) cannot be reached; the message says what to run."""


class UnknownWorkflow(LookupError):
    """No such campaign or callback workflow."""


class Rejected(ValueError):
    """The workflow refused the change (an update validator said why, or it is already closed)."""


class AlreadyStarted(RuntimeError):
    """A campaign workflow with this id already exists."""


@dataclass(frozen=True)
class CampaignState:
    """A campaign's progress and its workflow's state (running, completed, failed, ...)."""

    progress: CampaignProgress
    state: str


class CampaignControl(Protocol):
    """What the campaign and broker routers (and `gyde campaign`) ask of Temporal."""

    async def ready(self) -> None: ...

    async def start_campaign(self, spec: CampaignSpec) -> str: ...

    async def campaign(self, campaign_id: str) -> CampaignState: ...

    async def steer(self, campaign_id: str, action: str) -> None: ...

    async def throttle(self, campaign_id: str, limits: CampaignLimits) -> CampaignProgress: ...

    async def complete_callback(self, campaign_id: str, client_id: str, note: str) -> None: ...

    async def reschedule_callback(self, campaign_id: str, client_id: str, at: datetime) -> datetime: ...


QUERY_TIMEOUT = timedelta(seconds=5)
MAX_CALLBACK_PROBES = 20  # broker-callback ids end in the attempt number that handed over
STEERING_ACTIONS = ("pause", "resume", "cancel")


class TemporalCampaignControl:
    """CampaignControl on a Temporal client. Every RPC failure becomes one of the errors above,
    so callers can answer with one clear line (HTTP status or CLI message)."""

    def __init__(self, client: Client | Callable[[], Awaitable[Client]], task_queue: str) -> None:
        """`client`, or a way to connect one on first use (so an api started before Temporal
        serves, and /readyz says Temporal is not reachable until it is)."""
        self._connect = None if isinstance(client, Client) else client
        self._client_or_none = client if isinstance(client, Client) else None
        self._task_queue = task_queue

    @property
    def _client(self) -> Client:
        if self._client_or_none is None:
            raise TemporalUnavailable("Temporal is not reachable: not connected yet")
        return self._client_or_none

    async def _connected(self) -> None:
        if self._client_or_none is None and self._connect is not None:
            try:
                self._client_or_none = await self._connect()
            except (RPCError, RuntimeError) as exc:
                raise TemporalUnavailable(f"Temporal is not reachable: {_reason(exc)}") from None

    async def ready(self) -> None:
        await self._connected()
        try:
            await self._client.service_client.check_health(timeout=QUERY_TIMEOUT)
        except (RPCError, RuntimeError) as exc:
            raise TemporalUnavailable(f"Temporal is not reachable: {_reason(exc)}") from None

    async def start_campaign(self, spec: CampaignSpec) -> str:
        from workflows.campaign import CampaignWorkflow

        await self._connected()
        try:
            handle = await self._client.start_workflow(
                CampaignWorkflow.run,
                CampaignInput(spec),
                id=campaign_workflow_id(spec.campaign_id),
                task_queue=self._task_queue,
                static_summary=f"Campaign {spec.campaign_id}",
            )
        except WorkflowAlreadyStartedError:
            raise AlreadyStarted(f"campaign {spec.campaign_id!r} was already started") from None
        except RPCError as exc:
            raise _translated(exc, f"campaign {spec.campaign_id!r}") from None
        return handle.id

    async def campaign(self, campaign_id: str) -> CampaignState:
        """A running campaign answers its progress query (a worker must be up); a closed one is
        read from its result, which needs no worker."""
        from workflows.campaign import CampaignWorkflow

        await self._connected()
        handle = self._client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(campaign_id))
        what = f"campaign {campaign_id!r}"
        try:
            described = await handle.describe(rpc_timeout=QUERY_TIMEOUT)
            state = described.status.name.lower() if described.status else "unknown"
            if described.status is WorkflowExecutionStatus.RUNNING:
                return CampaignState(
                    await handle.query(CampaignWorkflow.progress, rpc_timeout=QUERY_TIMEOUT), state
                )
            if described.status is WorkflowExecutionStatus.COMPLETED:
                return CampaignState(_closed_progress(await handle.result(rpc_timeout=QUERY_TIMEOUT)), state)
        except RPCError as exc:
            raise _translated(exc, what) from None
        except WorkflowQueryFailedError as exc:
            raise Rejected(f"{what} could not answer: {exc}") from None
        return CampaignState(CampaignProgress(campaign_id, 0, 0, {}, {}, False, True, 0), state)

    async def steer(self, campaign_id: str, action: str) -> None:
        from workflows.campaign import CampaignWorkflow

        await self._connected()
        signals = {
            "pause": CampaignWorkflow.pause,
            "resume": CampaignWorkflow.resume,
            "cancel": CampaignWorkflow.cancel,
        }
        if action not in signals:
            raise ValueError(f"unknown action {action!r} (use {', '.join(STEERING_ACTIONS)})")
        handle = self._client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(campaign_id))
        try:
            await handle.signal(signals[action], rpc_timeout=QUERY_TIMEOUT)
        except RPCError as exc:
            raise _translated(exc, f"campaign {campaign_id!r}") from None

    async def throttle(self, campaign_id: str, limits: CampaignLimits) -> CampaignProgress:
        from workflows.campaign import CampaignWorkflow

        await self._connected()
        handle = self._client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(campaign_id))
        try:
            progress: CampaignProgress = await handle.execute_update(
                CampaignWorkflow.throttle, limits, rpc_timeout=QUERY_TIMEOUT
            )
        except WorkflowUpdateFailedError as exc:
            raise Rejected(_update_reason(exc)) from None
        except RPCError as exc:
            raise _translated(exc, f"campaign {campaign_id!r}") from None
        return progress

    async def complete_callback(self, campaign_id: str, client_id: str, note: str) -> None:
        from workflows.broker_callback import BrokerCallbackWorkflow

        handle = await self._open_callback(campaign_id, client_id)
        try:
            await handle.signal(
                BrokerCallbackWorkflow.completed, CallbackCompleted(note), rpc_timeout=QUERY_TIMEOUT
            )
        except RPCError as exc:
            raise _translated(exc, f"callback for client {client_id!r}") from None

    async def reschedule_callback(self, campaign_id: str, client_id: str, at: datetime) -> datetime:
        from workflows.broker_callback import BrokerCallbackWorkflow

        handle = await self._open_callback(campaign_id, client_id)
        try:
            moved: datetime = await handle.execute_update(
                BrokerCallbackWorkflow.reschedule, RescheduleRequest(at), rpc_timeout=QUERY_TIMEOUT
            )
        except WorkflowUpdateFailedError as exc:
            raise Rejected(_update_reason(exc)) from None
        except RPCError as exc:
            raise _translated(exc, f"callback for client {client_id!r}") from None
        return moved

    async def _open_callback(self, campaign_id: str, client_id: str) -> WorkflowHandle[Any, Any]:
        """The running broker-callback workflow of this client in this campaign (one at most)."""
        await self._connected()
        what = f"callback for client {client_id!r}"
        for attempt in range(1, MAX_CALLBACK_PROBES + 1):
            handle = self._client.get_workflow_handle(
                broker_callback_workflow_id(campaign_id, client_id, attempt)
            )
            try:
                described = await handle.describe(rpc_timeout=QUERY_TIMEOUT)
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    continue
                raise _translated(exc, what) from None
            if described.status is not WorkflowExecutionStatus.RUNNING:
                raise Rejected(f"{what} is already closed")
            return handle
        raise UnknownWorkflow(f"no broker callback workflow for client {client_id!r}")


def _closed_progress(summary: CampaignSummary) -> CampaignProgress:
    return CampaignProgress(
        campaign_id=summary.campaign_id,
        started=summary.clients,
        in_flight=0,
        by_stage={
            "in_call": 0,
            "waiting_for_dial_slot": 0,
            "waiting_window_or_retry": 0,
            "done": summary.clients,
        },
        by_outcome=dict(summary.outcomes),
        paused=False,
        cancelled=summary.cancelled,
        pages_loaded=0,
    )


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _update_reason(exc: WorkflowUpdateFailedError) -> str:
    cause = exc.cause
    return str(getattr(cause, "message", "") or cause or exc)[:300]


def _translated(exc: RPCError, what: str) -> Exception:
    if exc.status == RPCStatusCode.NOT_FOUND:
        return UnknownWorkflow(f"unknown {what}: no such workflow")
    if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
        return TemporalUnavailable(f"{what}: no answer in time (is `gyde worker` running?)")
    if exc.status == RPCStatusCode.UNAVAILABLE:
        return TemporalUnavailable(f"Temporal is not reachable: {_reason(exc)}")
    if exc.status in (RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.INVALID_ARGUMENT):
        return Rejected(f"{what}: {_reason(exc)}")
    return TemporalUnavailable(f"{what}: Temporal answered {exc.status.name if exc.status else 'an error'}")
