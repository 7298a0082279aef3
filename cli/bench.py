"""`gyde bench <name>`: benchmarks print JSON with `--json` and write their tables to docs/performance.md."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("bench", help="Run a benchmark.")
    bench_sub = parser.add_subparsers(dest="bench_command", required=True)
    media = bench_sub.add_parser("media", help="Concurrent simulated calls against the media server.")
    media.add_argument("--calls", type=int, default=50, help="concurrent calls (default 50)")
    media.add_argument("--seconds", type=float, default=20.0, help="measured seconds with all calls live")
    media.add_argument("--url", default=None, help="use a running media server (ws://host:port/media)")
    media.add_argument(
        "--eot-ms", type=int, default=500, help="end-of-turn silence the server is told to use"
    )
    media.add_argument("--no-pin", action="store_true", help="do not pin the server to one core")
    media.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    media.add_argument("--json", action="store_true", help="print one JSON object")
    media.set_defaults(func=run_media)


def run_media(args: argparse.Namespace) -> int:
    from bench.media_bench import run, write_table

    try:
        result = run(args.calls, args.seconds, url=args.url, eot_ms=args.eot_ms, pin=not args.no_pin)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.no_write:
        write_table(result)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    return 0
