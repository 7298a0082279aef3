"""`gyde temporal setup`: make any Temporal (dev server, a self-hosted cluster, Temporal Cloud) ready
for Gyde: the namespace exists and our search attributes are registered. Idempotent, so a deploy
job can run it every time."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from cli.common import run_async, settings_from
from settings import Settings

T = TypeVar("T")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("temporal", help="Temporal administration for Gyde.")
    actions = parser.add_subparsers(dest="temporal_command", required=True)
    setup = actions.add_parser(
        "setup", help="register the namespace (when missing) and Gyde's search attributes"
    )
    setup.add_argument("--temporal-address", default=None, help="host:port (default: GYDE_TEMPORAL_ADDRESS)")
    setup.add_argument("--namespace", default=None, help="default: GYDE_TEMPORAL_NAMESPACE")
    setup.add_argument(
        "--retention-days", type=int, default=30, help="history retention of a new namespace (default 30)"
    )
    setup.add_argument(
        "--skip-namespace",
        action="store_true",
        help="do not register the namespace (Temporal Cloud: namespaces are created in its console)",
    )
    setup.set_defaults(func=run_setup)


async def setup(settings: Settings, namespace: str, retention_days: int, register: bool) -> list[str]:
    """What was done, one line each."""
    import temporal_client

    client = await temporal_client.connect(settings.model_copy(update={"temporal_namespace": namespace}))
    done: list[str] = []
    if register:
        created = await ensure_namespace(client, namespace, retention_days)
        done.append(f"namespace {namespace}: {'registered' if created else 'already there'}")
    added = await _when_namespace_visible(lambda: temporal_client.ensure_search_attributes(client, namespace))
    done.append(f"search attributes: {', '.join(added) + ' added' if added else 'all already registered'}")
    return done


async def _when_namespace_visible(call: Callable[[], Awaitable[T]], wait_s: float = 60.0) -> T:
    """A namespace just registered reaches the frontend's cache some seconds later (NOT_FOUND
    until then); retry until it does."""
    import asyncio

    from temporalio.service import RPCError, RPCStatusCode

    for _ in range(int(wait_s)):
        try:
            return await call()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        await asyncio.sleep(1.0)
    return await call()


async def ensure_namespace(client: Any, namespace: str, retention_days: int) -> bool:
    """Register `namespace`; False when it already exists."""
    from datetime import timedelta

    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
    from temporalio.service import RPCError, RPCStatusCode

    try:
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
        return False
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    retention = Duration()
    retention.FromTimedelta(timedelta(days=retention_days))
    try:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=retention)
        )
    except RPCError as exc:  # registered meanwhile by another deploy job
        if exc.status != RPCStatusCode.ALREADY_EXISTS:
            raise
        return False
    return True


def run_setup(args: argparse.Namespace) -> int:
    from temporalio.service import RPCError

    settings = settings_from(args)
    if args.retention_days < 1:
        print("error: --retention-days must be at least 1", file=sys.stderr)
        return 2
    namespace = args.namespace or settings.temporal_namespace
    try:
        lines = run_async(setup(settings, namespace, args.retention_days, not args.skip_namespace))
    except RPCError as exc:
        print(f"error: Temporal at {settings.temporal_address} refused: {exc.message}", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # connection failures surface as RuntimeError from the core client
        print(f"error: cannot reach Temporal at {settings.temporal_address}: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0
