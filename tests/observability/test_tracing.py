"""Promise: every Temporal client of ours traces with OpenTelemetry (temporal_client.connect's
interceptors), so the span context of whoever sends to a workflow travels in the Temporal
headers: the api's start is one trace with the workflow's run, its handling of the media
server's signal (linked to the media server's own span) and the activity that follows.
In-memory exporter; ids only."""

from __future__ import annotations

import uuid
from datetime import timedelta

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from observability.tracing import client_interceptors

EXPORTER = InMemorySpanExporter()


def _provider() -> None:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)


@activity.defn
async def write_outcome(call_sid: str) -> str:
    return f"written {call_sid}"


@workflow.defn(sandboxed=False)
class OneCallWorkflow:
    def __init__(self) -> None:
        self._ended: str | None = None

    @workflow.run
    async def run(self, client_id: str) -> str:
        await workflow.wait_condition(lambda: self._ended is not None)
        return await workflow.execute_activity(
            write_outcome, self._ended or "", start_to_close_timeout=timedelta(seconds=10)
        )

    @workflow.signal
    def call_ended(self, call_sid: str) -> None:
        self._ended = call_sid


def _traced(env: WorkflowEnvironment) -> Client:
    """A client like temporal_client.connect builds (same interceptors) on the test server."""
    config = env.client.config()
    config["interceptors"] = client_interceptors()
    return Client(**config)


async def test_the_api_start_and_the_media_signal_continue_into_the_worker(
    time_env: WorkflowEnvironment,
) -> None:
    _provider()
    EXPORTER.clear()
    api, media, worker_client = _traced(time_env), _traced(time_env), _traced(time_env)
    queue = f"trace-{uuid.uuid4().hex[:8]}"
    tracer = trace.get_tracer("test")
    workflow_id = "outreach:camp-t:cli-t"
    async with Worker(
        worker_client, task_queue=queue, workflows=[OneCallWorkflow], activities=[write_outcome]
    ):
        with tracer.start_as_current_span("api POST /campaigns") as api_span:
            handle = await api.start_workflow(OneCallWorkflow.run, "cli-t", id=workflow_id, task_queue=queue)
        with tracer.start_as_current_span("media stream stop") as media_span:
            await media.get_workflow_handle(workflow_id).signal(OneCallWorkflow.call_ended, "CA" + "7" * 32)
        assert await handle.result() == f"written CA{'7' * 32}"
    spans = EXPORTER.get_finished_spans()
    by_trace: dict[int, set[str]] = {}
    for span in spans:
        by_trace.setdefault(span.context.trace_id, set()).add(span.name)
    api_trace = by_trace[api_span.get_span_context().trace_id]
    media_trace_id = media_span.get_span_context().trace_id
    # one trace for the call: the api's start, the workflow, the signal's handling, the activity
    assert {
        "StartWorkflow:OneCallWorkflow",
        "RunWorkflow:OneCallWorkflow",
        "HandleSignal:call_ended",
        "RunActivity:write_outcome",
    } <= api_trace
    # the media server's signal is its own span, linked from the workflow's handling of it
    assert "SignalWorkflow:call_ended" in by_trace[media_trace_id]
    [handled] = [span for span in spans if span.name == "HandleSignal:call_ended"]
    assert [link.context.trace_id for link in handled.links] == [media_trace_id]
    for span in spans:  # attributes are ids, never payloads
        for value in (span.attributes or {}).values():
            assert "cli-t" not in str(value) or str(value) == workflow_id or workflow_id in str(value)


async def test_a_media_call_is_one_span_with_ids_only() -> None:
    from tests.media.helpers import CALL_SID, WORKFLOW_ID
    from tests.media.test_session import ScriptedAgent, started

    _provider()
    EXPORTER.clear()
    h = await started(agent_factory=lambda ctx, control: ScriptedAgent())
    await h.wait_marks(1)
    await h.send(None)
    await h.task
    [call] = [span for span in EXPORTER.get_finished_spans() if span.name == "MediaCall"]
    assert dict(call.attributes or {}) == {"gyde.call_sid": CALL_SID, "gyde.workflow_id": WORKFLOW_ID}
