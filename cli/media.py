"""`gyde media`: run the media server, or mint a stream token so other tools can open a stream."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import Any

from cli.common import insecure_start, setup_process
from settings import get_settings


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("media", help="Media Streams server and stream tokens.")
    media_sub = parser.add_subparsers(dest="media_command", required=True)

    serve = media_sub.add_parser("serve", help="Run the media server (WebSocket, path /media).")
    serve.add_argument("--host", default=None, help="bind address (default: GYDE_MEDIA_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (default: GYDE_MEDIA_PORT)")
    serve.add_argument(
        "--no-temporal",
        action="store_true",
        help="run without a workflow behind calls (offline tools, benchmarks)",
    )
    serve.add_argument(
        "--agent",
        choices=("engine", "echo"),
        default="engine",
        help="who talks: the conversation engine or an echo",
    )
    serve.add_argument(
        "--drain-seconds",
        type=float,
        default=0.0,
        help="on SIGTERM, refuse new streams and let live calls finish for up to this long (default 0)",
    )
    serve.set_defaults(func=run_serve)

    token = media_sub.add_parser("token", help="Mint a short-lived signed stream token.")
    token.add_argument("--workflow-id", required=True, help="outreach workflow id the stream belongs to")
    token.add_argument("--call-sid", default="", help="bind the token to one call (default: any call)")
    token.add_argument(
        "--ttl", type=int, default=None, help="seconds (default: GYDE_STREAM_TOKEN_TTL_SECONDS)"
    )
    token.add_argument("--json", action="store_true", help="print a JSON object instead of the bare token")
    token.set_defaults(func=run_token)


def run_token(args: argparse.Namespace) -> int:
    from security.stream_token import StreamTokenError, mint

    settings = get_settings()
    ttl = args.ttl if args.ttl is not None else settings.stream_token_ttl_seconds
    try:
        token = mint(settings.stream_token_secret.get_secret_value(), args.workflow_id, args.call_sid, ttl)
    except StreamTokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {"token": token, "workflow_id": args.workflow_id, "call_sid": args.call_sid, "ttl": ttl}
            )
        )
    else:
        print(token)
    return 0


async def _serve(host: str, port: int, temporal: bool, agent: str, drain_seconds: float) -> None:
    from media_server.app import media_server
    from media_server.server import run_forever

    settings = get_settings()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with media_server(settings, temporal=temporal, agent=agent) as server:
        await run_forever(server, host, port, stop, drain_seconds)


def run_serve(args: argparse.Namespace) -> int:
    from adapters.providers import validate_providers

    settings = get_settings()
    try:
        validate_providers(settings)  # an unknown or unconfigured provider stops us first, named
    except ValueError as exc:
        print(f"gyde media: {exc}", file=sys.stderr, flush=True)
        return 2
    if args.drain_seconds < 0:
        print("error: --drain-seconds must be >= 0", file=sys.stderr)
        return 2
    if refused := insecure_start(settings, "media"):
        return refused
    setup_process(settings, "media")  # masks phones, names, dates and emails in every log line
    if not settings.stream_token_secret.get_secret_value():
        logging.getLogger("gyde.media").error(
            "GYDE_STREAM_TOKEN_SECRET is empty: streams cannot be authenticated (share one secret with the api)"
        )
        return 2
    asyncio.run(
        _serve(
            args.host or settings.media_host,
            args.port or settings.media_port,
            not args.no_temporal,
            args.agent,
            args.drain_seconds,
        )
    )
    return 0
