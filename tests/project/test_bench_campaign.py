"""`gyde bench campaign` on a tiny sample (3 clients; the 1,000+ runs are in docs/performance.md):
every client completes through the real lifecycle, the bare yardstick runs the same number of
activities, the counts come from real histories; the table and the plot are written; bad
input is a clear error."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.campaign_bench import bench_campaign, session_cpu_seconds
from bench.campaign_report import BEGIN, END, SPLIT_BEGIN, SPLIT_END, write_campaign_table
from cli.main import main
from settings import Settings

KEYS = {
    "clients", "completed", "clients_per_s", "bare_workflows_per_s", "ratio", "activities_per_client",
    "signals_per_client", "history_events_per_client_p50", "campaign_history_events_max",
    "worker_cpu_s", "worker_peak_rss_mb", "duration_s",
}  # fmt: skip


async def test_three_clients_complete_and_are_counted(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    result = await bench_campaign(settings, 3)
    assert KEYS <= set(result)
    assert result["clients"] == result["completed"] == 3
    assert sum(result["outcomes"].values()) == 3
    assert result["histories_sampled"] == 3
    # the lifecycle's real work is visible in its histories: screening, dial, follow-up ...
    assert result["activities_per_client"] >= 3 and result["signals_per_client"] >= 1
    assert result["bare_activities_per_workflow"] == max(1, round(result["activities_per_client"]))
    assert result["history_events_per_client_p50"] > result["activities_per_client"] * 3
    assert result["campaign_history_events_max"] > 0
    assert result["clients_per_s"] > 0 and result["bare_workflows_per_s"] > 0
    assert result["worker_cpu_s"] > 0 and result["worker_peak_rss_mb"] > 20
    # the dev server's own CPU in each phase (a launcher and the server, one session)
    assert result["server_cpu_s"] > 0 and result["bare_server_cpu_s"] > 0

    doc, data = tmp_path / "performance.md", tmp_path / "campaign_bench.json"
    doc.write_text("# Performance\n")
    write_campaign_table(result, doc, data)
    write_campaign_table({**result, "clients": 10}, doc, data)
    write_campaign_table({**result, "clients_per_s": 99.0}, doc, data)  # same N: replaced
    text = doc.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    rows = [line for line in text.split(BEGIN)[1].split(END)[0].splitlines() if line.startswith("| ")]
    assert len(rows) == 3 and rows[1].startswith("| 3 | 3 | 99.0 |")  # header, N=3, N=10
    assert [r["clients"] for r in json.loads(data.read_text())] == [3, 10]
    assert data.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_split_workers_run_both_sides_apart_and_get_their_own_table(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    result = await bench_campaign(settings, 3, split_workers=True)
    assert result["clients"] == result["completed"] == 3 and result["worker_processes"] == 2
    sides = result["worker_workflows_cpu_s"], result["worker_activities_cpu_s"]
    assert all(cpu > 0 for cpu in sides) and result["worker_cpu_s"] == pytest.approx(sum(sides), abs=0.02)

    doc, data = tmp_path / "performance.md", tmp_path / "campaign_bench_split.json"
    doc.write_text(f"# Performance\n{BEGIN}\nthe one-process table\n{END}\n")
    write_campaign_table(result, doc, data)
    text = doc.read_text()
    assert "the one-process table" in text  # untouched
    split_rows = [
        line for line in text.split(SPLIT_BEGIN)[1].split(SPLIT_END)[0].splitlines() if line.startswith("| ")
    ]
    assert len(split_rows) == 2 and "workflow side CPU s" in split_rows[0]
    assert not data.with_suffix(".png").exists()


def test_bad_client_count_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["bench", "campaign", "--clients", "0", "--no-write"]) == 2
    assert "--clients must be at least 1" in capsys.readouterr().err


class _RefusingHandle:
    """A workflow handle whose result the server refuses `refusals` times, as the dev server
    did at 10,000 bare workflows, with the given status."""

    def __init__(self, refusals: int, status: object) -> None:
        self.refusals, self.status, self.calls = refusals, status, 0

    async def result(self) -> str:
        from temporalio.service import RPCError

        self.calls += 1
        if self.calls <= self.refusals:
            raise RPCError("namespace concurrent poller limit exceeded", self.status, b"")  # type: ignore[arg-type]
        return "done"


async def test_a_refused_result_wait_is_made_again() -> None:
    from temporalio.service import RPCStatusCode

    from bench import campaign_bench

    handle = _RefusingHandle(3, RPCStatusCode.RESOURCE_EXHAUSTED)
    assert await campaign_bench._result_despite_poll_limits(handle, pause=0.0) == "done"
    assert handle.calls == 4


async def test_other_rpc_errors_still_fail_the_bench() -> None:
    from temporalio.service import RPCError, RPCStatusCode

    from bench import campaign_bench

    with pytest.raises(RPCError):
        await campaign_bench._result_despite_poll_limits(
            _RefusingHandle(1, RPCStatusCode.NOT_FOUND), pause=0.0
        )


async def test_the_bare_phase_holds_no_more_result_waits_than_its_gate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 10,000 one ungated result wait per workflow overran the dev server's poller limit."""
    import asyncio

    from bench import campaign_bench

    monkeypatch.setattr(campaign_bench, "BARE_IN_FLIGHT", 5)
    waiting, most = 0, 0

    class Handle:
        async def result(self) -> str:
            nonlocal waiting, most
            waiting += 1
            most = max(most, waiting)
            await asyncio.sleep(0.001)
            waiting -= 1
            return "done"

    class Client:
        async def start_workflow(self, *_args: object, **_kwargs: object) -> Handle:
            return Handle()

    await campaign_bench.run_bare(Client(), clients=60, activities=3, task_queue="q")
    assert most == 5


def test_session_cpu_counts_only_that_sessions_processes() -> None:
    """A busy child in a session of its own is counted for that session and for no other."""
    burn = (
        "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    )
    busy = subprocess.Popen([sys.executable, "-c", burn], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while session_cpu_seconds(busy.pid) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_cpu_seconds(busy.pid) >= 0.4
        assert session_cpu_seconds(2**22 + 12345) == 0.0  # no such session
    finally:
        busy.kill()
        busy.wait()
