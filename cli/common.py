"""Small helpers shared by subcommands: settings overrides, logging, running a coroutine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from settings import Settings, get_settings

T = TypeVar("T")


def settings_from(args: Any) -> Settings:
    """Environment settings, with `--database-url` and friends from the command line on top."""
    base = get_settings()
    overrides = {
        name: getattr(args, name)
        for name in ("database_url", "temporal_address", "task_queue")
        if getattr(args, name, None) is not None
    }
    return base.model_copy(update=overrides) if overrides else base


def add_database_flag(parser: Any) -> None:
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: GYDE_DATABASE_URL)")


def setup_process(settings: Settings, process: str) -> None:
    """Process-wide set-up of a long-running process: log format, PHI redaction of every record,
    OpenTelemetry tracing (GYDE_TRACING), and the phone regions this deployment may call (adapters/phone_numbers.py)."""
    from adapters.phone_numbers import configure_allowed_regions
    from observability.logs import configure as configure_logging
    from observability.tracing import configure_tracing
    from security.redaction import install_redaction

    configure_logging(settings.log_level, process, settings.log_format)  # text, or JSON with ids
    install_redaction()
    configure_tracing(settings.tracing, process)
    logging.captureWarnings(True)  # warnings go through logging, so they are masked too
    configure_allowed_regions(settings.allowed_phone_regions)


def insecure_start(settings: Settings, process: str) -> int:
    """0 when `process` may start; otherwise prints the one-line refusal and returns exit code 2
    (security/startup_checks.py: development secrets outside an all-loopback stack)."""
    import sys

    from security.startup_checks import InsecureStartup, check_startup_secrets

    try:
        check_startup_secrets(settings, process)
    except InsecureStartup as exc:
        print(f"gyde {process}: {exc}", file=sys.stderr, flush=True)
        return 2
    return 0


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro`; SIGTERM and SIGINT cancel it, so `finally:` blocks (stopping child processes,
    closing databases) always run instead of the process dying mid-way."""

    async def main() -> T:
        import signal
        import threading

        task = asyncio.ensure_future(coro)
        loop = asyncio.get_running_loop()
        # Signal handlers belong to the main thread (a command run from a test's worker thread
        # has none to install).
        signals = (
            (signal.SIGTERM, signal.SIGINT) if threading.current_thread() is threading.main_thread() else ()
        )
        for sig in signals:
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await task
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


def add_temporal_flag(parser: Any) -> None:
    parser.add_argument(
        "--temporal-address", default=None, help="host:port of Temporal (default: GYDE_TEMPORAL_ADDRESS)"
    )
    parser.add_argument("--task-queue", default=None, help="workflow task queue (default: GYDE_TASK_QUEUE)")


async def connect_temporal(settings: Settings) -> Any:
    """A Temporal client, or a UserError saying Temporal is not running (never a traceback)."""
    import temporal_client
    from cli.errors import temporal_down

    try:
        return await temporal_client.connect(settings)
    except RuntimeError as exc:
        raise temporal_down(settings.temporal_address, str(exc).splitlines()[0][:120]) from None


async def check_migrated(database: Any, url: str) -> None:
    """A UserError unless the database has our schema (the `campaigns` table answers)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from cli.errors import UserError, not_migrated, safe_url

    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT 1 FROM campaigns LIMIT 1"))
    except DBAPIError as exc:
        message = str(exc.orig).lower()
        if "no such table" in message or "does not exist" in message:
            raise not_migrated(url) from None
        raise UserError(
            f"cannot open the database {safe_url(url)}: {message.splitlines()[0][:160]}"
        ) from None
