"""`gyde worker`: run the workflows and activities against GYDE_TEMPORAL_ADDRESS."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from cli.common import add_database_flag, insecure_start, run_async, settings_from, setup_process
from settings import Settings

# worker.WORKER_ROLES (not imported here: the CLI parses before it loads the SDK).
ROLES = ("workflows", "activities")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("worker", help="Run the Temporal worker (workflows + activities).")
    add_database_flag(parser)
    parser.add_argument(
        "--only",
        choices=ROLES,
        default=None,
        help="run one side so each scales on its own: workflows (with their local activities) or "
        "activities (the main queue's and the dial queue); default both",
    )
    parser.add_argument("--temporal-address", default=None)
    parser.add_argument("--task-queue", default=None)
    parser.add_argument(
        "--health-port",
        type=int,
        default=None,
        help="serve /healthz and /readyz (200 while polling its task queues) on this port",
    )
    parser.add_argument("--health-host", default="0.0.0.0", help="bind address of the health endpoint")
    parser.set_defaults(func=run)


async def serve(settings: Settings, health: tuple[str, int] | None = None, only: str | None = None) -> None:
    import temporal_client
    from db.session import Database
    from observability.temporal_metrics import sdk_runtime, serve_metrics
    from security.field_crypto import configure_field_encryption
    from security.keyring import KeyRing
    from worker import build_adapters, build_workers, run_workers

    configure_field_encryption(KeyRing.from_settings(settings))
    db = Database(settings.database_url)
    serve_metrics(settings.metrics_host, settings.worker_metrics_port)  # gyde_* metrics
    runtime = sdk_runtime(settings.metrics_host, settings.temporal_sdk_metrics_port)  # temporal_*
    client = await temporal_client.connect(settings, runtime=runtime)
    telephony = None
    if settings.telephony == "local":
        raise SystemExit(
            "gyde worker: GYDE_TELEPHONY=local is the in-process scripted phone used by `gyde demo`; "
            "a standalone worker dials through Twilio or the simulator: set GYDE_TELEPHONY=twilio "
            "(and GYDE_TWILIO_API_BASE=http://127.0.0.1:8766 for the simulator)"
        )
    from workflows.retention import ensure_retention_schedule

    await ensure_retention_schedule(
        client, task_queue=settings.task_queue, retention_days=settings.recording_retention_days
    )
    workers = build_workers(client, settings, build_adapters(settings, db, telephony), only=only)
    try:
        async with contextlib.AsyncExitStack() as stack:
            if health is not None:
                from stack.health import health_server

                await stack.enter_async_context(
                    health_server(*health, ready=lambda: all(w.is_running for w in workers))
                )
            await run_workers(workers)
    finally:
        await db.dispose()


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.health_port is not None and not 0 < args.health_port < 65536:
        print("error: --health-port must be 1-65535", file=sys.stderr)
        return 2
    if refused := insecure_start(settings, "worker"):
        return refused
    setup_process(settings, "worker")
    health = (args.health_host, args.health_port) if args.health_port is not None else None
    run_async(serve(settings, health, args.only))
    return 0
