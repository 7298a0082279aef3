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
    media.add_argument(
        "--audio",
        choices=("codec", "speech"),
        default="codec",
        help="what the phones send: the simulator's codec (default) or espeak-ng speech on a noisy line",
    )
    media.add_argument(
        "--vad",
        choices=("energy", "speech"),
        default=None,
        help="server VAD (default: energy for codec, speech for speech)",
    )
    media.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    media.add_argument("--json", action="store_true", help="print one JSON object")
    add_capacity_arguments(media)
    media.set_defaults(func=run_media)
    turns = bench_sub.add_parser("turns", help="Turn-taking on espeak-ng speech with line noise.")
    turns.add_argument("--seeds", type=int, default=2, help="renderings of each scenario per condition")
    turns.add_argument(
        "--levels", default="-60,-50,-45,-40,-35", help="noise levels in dBFS, comma-separated"
    )
    turns.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    turns.add_argument("--json", action="store_true", help="print one JSON object")
    turns.set_defaults(func=run_turns)
    add_campaign_parser(bench_sub)


def add_capacity_arguments(media: Any) -> None:
    media.add_argument(
        "--compare-echo",
        action="store_true",
        help="the same load against a bare websockets echo server too (bench/echo_server.py); ratios",
    )
    media.add_argument(
        "--find-capacity",
        action="store_true",
        help="step the calls up, then bisect, to the most calls each server holds at the bar",
    )
    media.add_argument("--latency-bar-ms", type=float, default=500.0, help="p99 added latency bar (500)")
    media.add_argument(
        "--max-drop-ratio", type=float, default=0.001, help="frames dropped / sent allowed (0.001)"
    )
    media.add_argument(
        "--generator-lag-ms",
        type=float,
        default=20.0,
        help="load generator tick lateness p99 above which a step is not trusted (20)",
    )
    media.add_argument("--capacity-start", type=int, default=100, help="first step (100 calls)")
    media.add_argument("--capacity-step", type=int, default=100, help="calls added per step (100)")
    media.add_argument("--capacity-max", type=int, default=1000, help="largest step (1000 calls)")
    media.add_argument("--capacity-resolution", type=int, default=25, help="bisect down to (25 calls)")
    media.add_argument("--capacity-seconds", type=float, default=10.0, help="seconds per step (10)")


def run_media_capacity(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bench import media_capacity as mc
    from bench.media_bench import DOC_PATH, run

    if args.url is not None or args.audio != "codec":
        print(
            "error: --compare-echo/--find-capacity start their own servers (no --url), codec audio only",
            file=sys.stderr,
        )
        return 2
    pin = not args.no_pin
    capacity = None
    if args.find_capacity:
        capacity = (
            mc.CapacityBar(args.latency_bar_ms, args.max_drop_ratio, args.generator_lag_ms),
            mc.CapacityPlan(
                args.capacity_start,
                args.capacity_step,
                args.capacity_max,
                args.capacity_resolution,
                args.capacity_seconds,
            ),
        )
    try:
        if args.compare_echo:
            result = mc.compare_echo(args.calls, args.seconds, eot_ms=args.eot_ms, pin=pin, capacity=capacity)
        else:
            assert capacity is not None
            bar, plan = capacity
            found = mc.find_capacity(lambda n: run(n, plan.seconds, eot_ms=args.eot_ms, pin=pin), bar, plan)
            result = {"capacity": {"bar": asdict(bar), "plan": asdict(plan), "media": found}}
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.compare_echo and not args.no_write:
        mc.write_echo_table(result, DOC_PATH)
    if args.json:
        print(json.dumps(result))
    elif args.compare_echo:
        print("\n".join(mc.summary_lines(result)))
    else:
        for step in result["capacity"]["media"]["steps"]:
            print(json.dumps(step))
        c = result["capacity"]["media"]
        print(f"media capacity: {c['calls_held_at_bar']} calls held at the bar, limited by {c['limited_by']}")
    return 0


def run_media(args: argparse.Namespace) -> int:
    from bench.media_bench import DOC_PATH, run, write_table
    from bench.speech_workload import write_vad_table

    if args.compare_echo or args.find_capacity:
        return run_media_capacity(args)
    vad = args.vad or ("energy" if args.audio == "codec" else "speech")
    try:
        result = run(
            args.calls,
            args.seconds,
            url=args.url,
            eot_ms=args.eot_ms,
            pin=not args.no_pin,
            vad=vad,
            audio=args.audio,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.no_write:
        if (args.audio, vad) == ("codec", "energy"):
            write_table(result)  # the table the benchmark has always kept
        write_vad_table(result, DOC_PATH)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    return 0


def run_turns(args: argparse.Namespace) -> int:
    from bench.turns_bench import run, write_table

    try:
        levels = [float(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        print("error: --levels must be numbers, e.g. -60,-45,-35", file=sys.stderr)
        return 2
    result = run(seeds=args.seeds, levels=levels)
    if not args.no_write:
        write_table(result)
    if args.json:
        print(json.dumps(result))
    else:
        for row in result["rows"]:
            print(json.dumps(row))
    return 0


def add_campaign_parser(bench_sub: Any) -> None:
    campaign = bench_sub.add_parser(
        "campaign", help="A campaign of N clients (instant calls) against bare workflows on the same server."
    )
    campaign.add_argument("--clients", type=int, default=1000, help="clients in the campaign (default 1000)")
    campaign.add_argument("--seed", type=int, default=1, help="seed of the generated clients")
    campaign.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    campaign.add_argument(
        "--split-workers",
        action="store_true",
        help="workflows and activities in worker processes of their own (gyde worker --only), in "
        "both phases; written to a table of its own",
    )
    campaign.add_argument("--json", action="store_true", help="print one JSON object")
    campaign.set_defaults(func=run_campaign)


def run_campaign(args: argparse.Namespace) -> int:
    from bench.campaign_bench import bench_campaign
    from cli.common import run_async
    from settings import get_settings

    if args.clients < 1:
        print("error: --clients must be at least 1", file=sys.stderr)
        return 2
    try:
        result = run_async(bench_campaign(get_settings(), args.clients, args.seed, args.split_workers))
    except TimeoutError:
        print("error: a phase of the benchmark did not finish within its time limit", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # a worker or the Temporal dev server did not start
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.no_write:
        from bench.campaign_report import write_campaign_table

        write_campaign_table(result)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    return 0
