"""`gyde chaos --clients N [--scenario NAME ...] [--json]`: fault injection over the real
processes (chaos/), one fault per campaign; exits non-zero when any invariant was broken."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from cli.common import run_async


def add_parser(sub: Any) -> None:
    from chaos.scenarios import SCENARIOS

    parser = sub.add_parser(
        "chaos",
        help="Run campaigns through the real processes while killing, restarting and breaking them.",
    )
    parser.add_argument("--clients", type=int, default=30, help="clients per scenario")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.name for s in SCENARIOS],
        help="run only these scenarios (repeatable; default all)",
    )
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds a scenario may take")
    parser.add_argument("--concurrency", type=int, default=6, help="live calls at once")
    parser.add_argument("--workdir", type=Path, default=None, help="where logs go (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help='print {"scenarios": [...]}')
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chaos.runner import run_chaos
    from chaos.scenarios import BY_NAME, SCENARIOS

    if args.clients < 1:
        print("gyde chaos: --clients must be at least 1", file=sys.stderr)
        return 2
    chosen = [BY_NAME[name] for name in args.scenario] if args.scenario else list(SCENARIOS)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gyde-chaos-"))

    def progress(message: str) -> None:
        print(f"chaos: {message}", file=sys.stderr, flush=True)

    progress(f"logs in {workdir / 'logs'}")
    reports = run_async(run_chaos(chosen, args.clients, workdir, args.deadline, args.concurrency, progress))
    if args.json:
        print(json.dumps({"scenarios": [r.as_json() for r in reports]}))
    else:
        _table(reports)
    return 0 if all(r.clean() for r in reports) else 1


def _table(reports: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="gyde chaos")
    columns = (
        "clients",
        "lost",
        "duplicate_dials",
        "duplicate_bookings",
        "duplicate_emails",
        "outside_hours_dials",
        "stuck",
    )
    table.add_column("scenario")
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for report in reports:
        table.add_row(report.name, *(str(getattr(report, c)) for c in columns))
    Console().print(table)
