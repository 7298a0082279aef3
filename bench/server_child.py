"""What both bench server children (bench.bench_server: the media server; bench.echo_server: the
bare echo yardstick) measure and report the same way, so their columns compare."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

LAG: list[float] = []  # how late each 10 ms timer fired, seconds


async def watch_loop_lag(period: float = 0.01) -> None:
    """How late a 10 ms timer fires: the event loop's own queueing delay."""
    loop = asyncio.get_running_loop()
    while True:
        target = loop.time() + period
        await asyncio.sleep(period)
        LAG.append(loop.time() - target)


def pct_ms(values: list[float], q: float) -> float | None:
    """The q-th percentile of seconds, in milliseconds (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q / 100 * (len(ordered) - 1)))], 2)


def write_json(path: str, data: Mapping[str, object]) -> None:
    with open(path, "w") as fh:
        json.dump(data, fh)
