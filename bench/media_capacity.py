"""`gyde bench media --compare-echo [--find-capacity]`: the media server against a bare `websockets`
echo server (bench/echo_server.py) under the same load, in the same run, one after the other, each in
its own child process pinned to the same core (bench/media_bench.py's `run`).

- Same load: `--calls` calls for `--seconds` against each server -> both result sets, and
  `ratio_cpu_per_call_minute` = media / echo (how many times the echo server's CPU per call-minute
  the media server spends; 1.0 would be no cost beyond plain websockets).
- `goal_met` (ratio_calls_held >= 0.8) is None when a capacity that is only a lower bound leaves
  it open (a lower-bound echo capacity makes the ratio an upper bound).
- `--find-capacity`: for each server, the highest number of calls held at the bar, found by
  stepping the calls up (`--capacity-start`, `--capacity-step`, up to `--capacity-max`) until a
  step fails, then bisecting between the last step held and the first failed down to
  `--capacity-resolution`. Each step is a fresh server and `--capacity-seconds` of load. A step
  holds when every call is held (connected to the end, every turn answered, clean close), the
  added-latency p99 is at most `--latency-bar-ms`, at most `--max-drop-ratio` of the frames sent
  are dropped, and the load generator kept up (its tick lateness p99, `generator_lag_ms_p99`, at
  most `--generator-lag-ms`). A step where the generator lagged is not trusted either way: if the
  search ends on one, that server's capacity is a lower bound set by the generator
  (`limited_by: "generator"`), not by the server. `ratio_calls_held` = media / echo capacity.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

GOAL_RATIO = 0.8  # issue 14: >= 0.8x the echo server's calls on one core
TABLE_START = "<!-- media-echo:start -->"
TABLE_END = "<!-- media-echo:end -->"


@dataclass(frozen=True)
class CapacityBar:
    latency_ms: float = 500.0  # added-latency p99 at most this
    max_drop_ratio: float = 0.001  # frames dropped / frames sent at most this
    generator_lag_ms: float = 20.0  # the generator's tick lateness p99 above this: not trusted


@dataclass(frozen=True)
class CapacityPlan:
    start: int = 100
    step: int = 100
    max_calls: int = 1000
    resolution: int = 25
    seconds: float = 10.0


def judge(result: dict[str, Any], bar: CapacityBar) -> list[str]:
    """Why a measured step did not hold at the bar ([] = it held). "generator_lag": the load
    generator itself was late, so the step says nothing about the server."""
    reasons: list[str] = []
    if result.get("calls_held", 0) < result["calls"]:
        reasons.append("calls_lost")
    p99 = result.get("added_latency_ms_p99")
    if p99 is None or p99 > bar.latency_ms:
        reasons.append("latency")
    sent = max(1, int(result.get("frames_sent") or 0))
    if (result.get("frames_dropped") or 0) > bar.max_drop_ratio * sent:
        reasons.append("drops")
    lag = result.get("generator_lag_ms_p99")
    if lag is not None and lag > bar.generator_lag_ms:
        reasons.append("generator_lag")
    return reasons


def find_capacity(
    measure: Callable[[int], dict[str, Any]], bar: CapacityBar, plan: CapacityPlan
) -> dict[str, Any]:
    """Step the calls up, then bisect; `measure(n)` runs n calls and returns a run() result."""
    if plan.start < 1 or plan.step < 1 or plan.resolution < 1 or plan.max_calls < plan.start:
        raise ValueError("capacity plan: start, step, resolution >= 1 and max >= start")
    steps: list[dict[str, Any]] = []

    def probe(n: int) -> list[str]:
        result = measure(n)
        reasons = judge(result, bar)
        steps.append(
            {
                "calls": n,
                "held": not reasons,
                "reasons": reasons,
                "calls_held": result.get("calls_held"),
                "added_latency_ms_p99": result.get("added_latency_ms_p99"),
                "frames_dropped": result.get("frames_dropped"),
                "generator_lag_ms_p99": result.get("generator_lag_ms_p99"),
                "server_cpu_s_per_call_minute": result.get("server_cpu_s_per_call_minute"),
                "server_cpu_util": result.get("server_cpu_util"),
            }
        )
        return reasons

    lo, hi, hi_reasons = 0, None, []
    n = plan.start
    while n <= plan.max_calls:
        reasons = probe(n)
        if reasons:
            hi, hi_reasons = n, reasons
            break
        lo = n
        n += plan.step
    if hi is not None:
        while hi - lo > plan.resolution:
            mid = (lo + hi) // 2
            reasons = probe(mid)
            if reasons:
                hi, hi_reasons = mid, reasons
            else:
                lo = mid
    if hi is None:
        limited_by = "max_calls"
    elif "generator_lag" in hi_reasons:
        limited_by = "generator"
    else:
        limited_by = "+".join(hi_reasons)
    return {
        "calls_held_at_bar": lo,
        "first_failed_calls": hi,
        "limited_by": limited_by,
        "lower_bound": limited_by in ("generator", "max_calls"),
        "steps": steps,
    }


def goal_met(ratio: float | None, media_lower_bound: bool, echo_lower_bound: bool) -> bool | None:
    """Whether media / echo capacity >= GOAL_RATIO is established; None when the bounds leave it
    open. A lower-bound echo capacity makes the ratio an upper bound (true ratio <= it), a
    lower-bound media capacity makes it a lower bound (true ratio >= it)."""
    if ratio is None or (media_lower_bound and echo_lower_bound):
        return None
    if ratio >= GOAL_RATIO:
        return None if echo_lower_bound else True
    return None if media_lower_bound else False


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else round(a / b, 3)


RunFn = Callable[..., dict[str, Any]]


def _measure(
    run_one: RunFn, seconds: float, eot_ms: int, pin: bool, kind: str
) -> Callable[[int], dict[str, Any]]:
    def measure(n: int) -> dict[str, Any]:
        return run_one(n, seconds, eot_ms=eot_ms, pin=pin, server_kind=kind)

    return measure


def compare_echo(
    calls: int,
    seconds: float,
    eot_ms: int = 500,
    pin: bool = True,
    capacity: tuple[CapacityBar, CapacityPlan] | None = None,
    runner: RunFn | None = None,
) -> dict[str, Any]:
    """The same load against the media server, then the echo server; with `capacity`, then each
    server's capacity search (media first). `runner` is media_bench.run (replaceable in tests)."""
    if runner is None:
        from bench.media_bench import run

        runner = run
    run_one: RunFn = runner
    started = time.time()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    results = {
        kind: run_one(calls, seconds, eot_ms=eot_ms, pin=pin, server_kind=kind) for kind in ("media", "echo")
    }
    out: dict[str, Any] = {
        "calls": calls,
        "seconds": seconds,
        "eot_ms": eot_ms,
        "media": results["media"],
        "echo": results["echo"],
        "ratio_cpu_per_call_minute": _ratio(
            results["media"]["server_cpu_s_per_call_minute"], results["echo"]["server_cpu_s_per_call_minute"]
        ),
        "ratio_calls_held": _ratio(results["media"]["calls_held"], results["echo"]["calls_held"]),
        "ratio_calls_held_basis": "calls_held_at_fixed_calls",
        "capacity": None,
    }
    if capacity is not None:
        bar, plan = capacity
        found = {
            kind: find_capacity(
                _measure(run_one, plan.seconds, eot_ms, pin, kind),
                bar,
                plan,
            )
            for kind in ("media", "echo")
        }
        out["capacity"] = {"bar": asdict(bar), "plan": asdict(plan), **found}
        out["ratio_calls_held"] = _ratio(
            found["media"]["calls_held_at_bar"], found["echo"]["calls_held_at_bar"]
        )
        out["ratio_calls_held_basis"] = "capacity"
        echo_bound = found["echo"]["limited_by"] == "generator"
        out["generator_bound"] = echo_bound or found["media"]["limited_by"] == "generator"
        out["goal_ratio"] = GOAL_RATIO
        out["goal_met"] = goal_met(
            out["ratio_calls_held"], found["media"]["lower_bound"], found["echo"]["lower_bound"]
        )
    out["generator_lag_ms_p99"] = max(
        (r["generator_lag_ms_p99"] for r in results.values() if r.get("generator_lag_ms_p99") is not None),
        default=None,
    )
    out["machine"] = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime(started)),
        "minutes": round((time.time() - started) / 60.0, 1),
        "cpus": os.cpu_count(),
        "load_average_before": None if load_before is None else [round(x, 2) for x in load_before],
        "server_pinned_one_core": results["media"].get("server_pinned_one_core"),
    }
    return out


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The text output: both result sets side by side, the ratios, and who was the bottleneck."""
    lines = [f"{'':34} {'media':>14} {'echo':>14}"]
    for key, value in result["media"].items():
        lines.append(f"{key:34} {value!s:>14} {result['echo'].get(key)!s:>14}")
    cap = result.get("capacity")
    if cap:
        for kind in ("media", "echo"):
            c = cap[kind]
            bound = " (a lower bound)" if c["lower_bound"] else ""
            lines.append(
                f"{kind} capacity: {c['calls_held_at_bar']} calls held at the bar{bound}, "
                f"first failed at {c['first_failed_calls']}, limited by {c['limited_by']}"
            )
        if result.get("generator_bound"):
            lines.append(
                "the load generator lagged (generator_lag_ms_p99 above "
                f"{cap['bar']['generator_lag_ms']} ms) before a server failed: that capacity is the "
                "generator's, not the server's"
            )
    for key in ("ratio_calls_held", "ratio_calls_held_basis", "ratio_cpu_per_call_minute", "goal_met"):
        if key in result:
            lines.append(f"{key:34} {result[key]}")
    return lines


def write_echo_table(result: dict[str, Any], path: Path) -> None:
    """Replace the table between the media-echo markers with this run's numbers."""
    cap = result.get("capacity") or {}
    m = result["machine"]

    def capacity_cell(kind: str) -> str:
        c = cap.get(kind)
        if not c:
            return "-"
        return f"{c['calls_held_at_bar']}{'+' if c['lower_bound'] else ''} ({c['limited_by']})"

    header = (
        f"Run {m['date_utc']} UTC, {m['minutes']} min, {m['cpus']} vCPUs, load average before "
        f"{m['load_average_before']}, server pinned to one core: {m['server_pinned_one_core']}. "
        f"Same load: {result['calls']} calls for {result['seconds']:g} s."
    )
    if cap:
        bar, plan = cap["bar"], cap["plan"]
        header += (
            f" Capacity: steps of {plan['step']} from {plan['start']} to {plan['max_calls']}, bisected "
            f"to {plan['resolution']}, {plan['seconds']:g} s each; bar: p99 <= {bar['latency_ms']:g} ms, "
            f"drops <= {bar['max_drop_ratio']:g}, generator lag p99 <= {bar['generator_lag_ms']:g} ms."
        )
    rows = [
        "| server | calls held at the bar (limited by) | held at fixed load | added latency p50 / p99 (ms) "
        "| jitter p99 (ms) | frames dropped | server CPU s per call-minute | server core use "
        "| generator lag p99 (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in ("media", "echo"):
        r = result[kind]
        rows.append(
            f"| {kind} | {capacity_cell(kind)} | {r['calls_held']} / {r['calls']} "
            f"| {r['added_latency_ms_p50']} / {r['added_latency_ms_p99']} | {r['jitter_ms_p99']} "
            f"| {r['frames_dropped']} | {r['server_cpu_s_per_call_minute']} | {r['server_cpu_util']} "
            f"| {r['generator_lag_ms_p99']} |"
        )
    rows.append(
        f"| **media / echo** | **{result['ratio_calls_held']}** ({result['ratio_calls_held_basis']}) "
        f"| | | | | **{result['ratio_cpu_per_call_minute']}** | | |"
    )
    steps = []
    for kind in ("media", "echo"):
        for s in cap.get(kind, {}).get("steps", []):
            steps.append(
                f"| {kind} | {s['calls']} | {'yes' if s['held'] else 'no: ' + ', '.join(s['reasons'])} "
                f"| {s['calls_held']} | {s['added_latency_ms_p99']} | {s['frames_dropped']} "
                f"| {s['generator_lag_ms_p99']} | {s['server_cpu_s_per_call_minute']} | {s['server_cpu_util']} |"
            )
    body = header + "\n\n" + "\n".join(rows) + "\n"
    if steps:
        body += (
            "\nCapacity search steps, in the order run:\n\n"
            "| server | calls | held | calls held | added latency p99 (ms) | frames dropped "
            "| generator lag p99 (ms) | server CPU s per call-minute | server core use |\n"
            "|---|---|---|---|---|---|---|---|---|\n" + "\n".join(steps) + "\n"
        )
    text = path.read_text() if path.exists() else "# Performance\n"
    if TABLE_START in text and TABLE_END in text:
        before, rest = text.split(TABLE_START, 1)
        after = rest.split(TABLE_END, 1)[1]
    else:
        before, after = text.rstrip() + "\n\n### Against a bare websockets echo server\n\n", "\n"
    path.write_text(f"{before}{TABLE_START}\n{body}{TABLE_END}{after}")
