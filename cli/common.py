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

        task = asyncio.ensure_future(coro)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await task
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
