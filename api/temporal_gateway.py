"""The api's only door to Temporal: Twilio webhooks become signals to the client's outreach
workflow. An interface, so tests and the demo can pass a fake that records what was sent."""

from __future__ import annotations

import logging
from typing import Protocol

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.messages import CallStatusEvent, ConsentEvent, RecordingEvent, TransferLegResult
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
