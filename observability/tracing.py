"""OpenTelemetry traces for one call across processes: api -> workflow -> media server.

Every Temporal client is built with `temporalio.contrib.opentelemetry.TracingInterceptor`
(temporal_client.connect), so a signal or update sent by the api or the media server carries
its span context in the Temporal headers, and the worker's interceptor continues that trace in
the workflow and its activities. Span names are Temporal's (`StartWorkflow:...`,
`SignalWorkflow:...`, `RunActivity:...`) and attributes are ids only.

`configure_tracing("console" | "otlp" | "none", service)` installs the process's tracer provider;
tests install an in-memory exporter instead (tests/observability/test_tracing.py).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter


def configure_tracing(mode: str, service: str) -> TracerProvider | None:
    """Install a global tracer provider for this process (None when tracing is off)."""
    if mode == "none":
        return None
    exporter: SpanExporter
    if mode == "console":
        exporter = ConsoleSpanExporter()
    elif mode == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        raise ValueError(f"unknown tracing mode {mode!r} (none, console or otlp)")
    provider = TracerProvider(resource=Resource.create({"service.name": f"gyde-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def call_span(call_sid: str, workflow_id: str) -> AbstractContextManager[Any]:
    """The media server's span for one live call; the signals and updates it sends to the
    workflow are its children (ids as attributes, nothing said on the call)."""
    return trace.get_tracer("gyde.media").start_as_current_span(
        "MediaCall", attributes={"gyde.call_sid": call_sid, "gyde.workflow_id": workflow_id}
    )


def client_interceptors() -> list[Any]:
    """Interceptors for every Temporal client (and so every worker built on it)."""
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]
