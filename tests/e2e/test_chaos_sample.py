"""CI's sample of `gyde chaos` (the full run is `make chaos`): a few clients through the real
processes while the worker is killed; every invariant column is zero. (The carrier's faults are
sampled in tests/telephony/test_sim_faults.py and the simulation suite; `make chaos` runs all.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.runner import run_chaos
from chaos.scenarios import BY_NAME


@pytest.mark.timeout(900)
async def test_a_small_chaos_run_breaks_no_invariant(tmp_path: Path) -> None:
    scenarios = [BY_NAME["worker_kill9"]]
    reports = await run_chaos(scenarios, clients=4, workdir=tmp_path, deadline_s=300, concurrency=4)
    assert [r.name for r in reports] == ["worker_kill9"]
    for report in reports:
        assert report.clean(), report
        assert report.clients == 4
