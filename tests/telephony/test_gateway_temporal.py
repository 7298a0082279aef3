"""Webhooks reach a real workflow: the api's TemporalClientGateway against Temporal's
time-skipping test server, with a small workflow exposing the outreach workflow's signal names."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from api.app import create_app
from api.temporal_gateway import TemporalClientGateway
from domain.enums import CallStatus
from domain.messages import CallStatusEvent, ConsentEvent, RecordingEvent, TransferLegResult
from tests.telephony.conftest import CALL_SID, FakeTelephony, Webhooks, call_params, make_settings


@workflow.defn
class SignalSink:
    """Same signal names and types as ClientOutreachWorkflow; remembers what arrived."""

    def __init__(self) -> None:
        self.events: list[str] = []

    @workflow.run
    async def run(self, expected: int) -> list[str]:
        await workflow.wait_condition(lambda: len(self.events) >= expected, timeout=timedelta(hours=1))
        return self.events

    @workflow.signal
    def call_status(self, event: CallStatusEvent) -> None:
        self.events.append(f"status:{event.status.value}:{event.sequence}:{event.detail}")

    @workflow.signal
    def consent(self, event: ConsentEvent) -> None:
        self.events.append(f"consent:{event.given}:{event.method}")

    @workflow.signal
    def recording(self, event: RecordingEvent) -> None:
        self.events.append(f"recording:{event.status.value}:{event.recording_sid}")

    @workflow.signal
    def transfer_result(self, event: TransferLegResult) -> None:
        self.events.append(f"transfer:{event.status.value}")

    @workflow.query
    def received(self) -> list[str]:
        return self.events


def _worker(env: WorkflowEnvironment, queue: str) -> Worker:
    return Worker(
        env.client, task_queue=queue, workflows=[SignalSink], workflow_runner=UnsandboxedWorkflowRunner()
    )


async def test_gateway_signals_reach_the_workflow(time_env: WorkflowEnvironment) -> None:
    queue = f"tq-{uuid.uuid4().hex[:8]}"
    wid = f"outreach:c-{uuid.uuid4().hex[:6]}:client-1"
    async with _worker(time_env, queue):
        handle = await time_env.client.start_workflow(SignalSink.run, 2, id=wid, task_queue=queue)
        gateway = TemporalClientGateway(time_env.client)
        await gateway.call_status(
            wid, CallStatusEvent(call_sid=CALL_SID, status=CallStatus.RINGING, sequence=1)
        )
        await gateway.consent(wid, ConsentEvent(call_sid=CALL_SID, given=True, method="dtmf"))
        assert await handle.result() == ["status:ringing:1:", "consent:True:dtmf"]


async def test_signalling_a_finished_or_unknown_workflow_is_ignored(time_env: WorkflowEnvironment) -> None:
    gateway = TemporalClientGateway(time_env.client)
    await gateway.call_status(
        "outreach:nope:nobody", CallStatusEvent(call_sid=CALL_SID, status=CallStatus.COMPLETED)
    )


async def test_each_callback_kind_reaches_the_workflow_through_the_api(time_env: WorkflowEnvironment) -> None:
    queue = f"tq-{uuid.uuid4().hex[:8]}"
    wid = f"outreach:c-{uuid.uuid4().hex[:6]}:client-2"
    app = create_app(make_settings(), TemporalClientGateway(time_env.client), FakeTelephony())
    async with _worker(time_env, queue), httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        handle = await time_env.client.start_workflow(SignalSink.run, 7, id=wid, task_queue=queue)
        hooks = Webhooks(http)
        status_path = f"/twilio/status?workflow_id={wid}"
        assert (
            await hooks.post(status_path, call_params(CallStatus="ringing", SequenceNumber="1"))
        ).status_code == 204
        # a duplicate delivery changes nothing
        assert (
            await hooks.post(status_path, call_params(CallStatus="ringing", SequenceNumber="1"))
        ).status_code == 204
        await hooks.post(f"/twilio/amd?workflow_id={wid}", call_params(AnsweredBy="human"))
        await hooks.post(f"/twilio/voice/consent?workflow_id={wid}&attempt=1", call_params(Digits="1"))
        await hooks.post(
            f"/twilio/recording?workflow_id={wid}",
            call_params(RecordingSid="RE" + "5" * 32, RecordingStatus="completed"),
        )
        await hooks.post(
            f"/twilio/voice/transfer-result?workflow_id={wid}", call_params(DialCallStatus="no-answer")
        )
        await hooks.post(
            status_path, call_params(CallStatus="completed", SequenceNumber="3", CallDuration="9")
        )
        assert await handle.result() == [
            "status:ringing:1:",
            "status:human:0:human",
            "consent:True:dtmf",
            f"recording:in-progress:RE{'2' * 32}",  # the sid start_recording answered
            f"recording:completed:RE{'5' * 32}",
            "transfer:no-answer",
            "status:completed:3:duration=9",
        ]
