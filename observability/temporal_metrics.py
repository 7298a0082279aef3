"""The worker's metrics endpoints: our own `gyde_*` metrics (prometheus-client) and the Temporal
SDK's (its Rust core exports Prometheus itself through the runtime's telemetry config)."""

from __future__ import annotations

import logging

from prometheus_client import start_http_server
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

log = logging.getLogger(__name__)


def serve_metrics(host: str, port: int) -> bool:
    """Serve `/metrics` of this process on host:port (0 = off). A port already taken (another
    stack on this machine) is a warning, not a failed worker."""
    if not port:
        return False
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.warning("metrics port %s:%d unavailable (%s): gyde_* metrics not served", host, port, exc)
        return False
    return True


def sdk_runtime(host: str, port: int) -> Runtime | None:
    """A Temporal runtime exporting the SDK's metrics (`temporal_*`: task latencies, slots,
    poll results, workflow/activity outcomes) for Prometheus on host:port; None when off."""
    if not port:
        return None
    try:
        return Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(bind_address=f"{host}:{port}", durations_as_seconds=True)
            )
        )
    except Exception as exc:  # noqa: BLE001 - the port is taken: run without SDK metrics
        log.warning("Temporal SDK metrics on %s:%d unavailable (%s)", host, port, exc)
        return None
