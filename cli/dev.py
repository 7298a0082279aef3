"""`gyde dev`: the whole system on this machine with one command — Temporal dev server with UI,
worker, api, media server and phone simulator — each supervised, logs prefixed by process."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import Any

from cli.common import run_async, settings_from
from settings import PROJECT_ROOT, Settings
from stack.processes import start_stack
from stack.supervisor import Supervisor
from stack.ui_signin import signin_link, signin_message


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "dev", help="Run the embedded stack: Temporal + UI, worker, api, media server, simulator."
    )
    parser.add_argument("--time-scale", type=float, default=0.25, help="simulator speed for rings and <Say>")
    parser.add_argument("--database-url", default=None, help="shared database (default: var/dev.db)")
    parser.set_defaults(func=run)


def default_database_url(name: str) -> str:
    return f"sqlite+aiosqlite:///{Path(PROJECT_ROOT) / 'var' / name}"


async def _dev(settings: Settings, database_url: str, time_scale: float) -> int:
    supervisor = Supervisor()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        info = await start_stack(settings, supervisor, database_url, time_scale)
        link = await signin_link(settings, database_url)
        print(
            f"\nGyde dev stack is up.\n  Temporal UI  http://localhost:{settings.temporal_ui_port}\n"
            f"  api          {info.api_url}\n  media        {info.media_url}\n  simulator    {info.sim_url}\n"
            f"  database     {info.database_url}\n\n{signin_message(link)}\nCtrl-C stops everything.\n",
            flush=True,
        )
        await stop.wait()
    finally:
        print("stopping ...", flush=True)
        await supervisor.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    return run_async(_dev(settings, args.database_url or default_database_url("dev.db"), args.time_scale))
