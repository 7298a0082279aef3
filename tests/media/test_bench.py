"""The benchmark's own machinery: a tiny run against an in-process server, and the docs table."""

from __future__ import annotations

from pathlib import Path

from bench import media_bench
from bench.bench_server import build_server


async def test_a_short_run_holds_its_calls_and_measures_latency():
    server = build_server("bench-secret", eot_ms=200)
    async with server.serve("127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        result = await media_bench.drive(
            f"ws://127.0.0.1:{port}/media", "bench-secret", calls=2, seconds=3.0, eot_ms=200, server_pid=None
        )
    assert result["calls_held"] == 2 and result["missed_turns"] == 0 and result["errors"] == []
    assert result["turns"] >= 2 and result["added_latency_ms_p50"] is not None
    assert result["reply_frames_missing"] == 0
    assert server.frames_in == result["frames_sent"]


def test_expected_reply_length_matches_the_echo_agent():
    from adapters.local_speech import fsk_codec

    frames = media_bench._expected_reply_frames("one two three")
    audio = fsk_codec.encode("Thanks, I heard 3 words.") + b"\xff" * 0
    assert frames > len(audio) // 160


def test_table_rows_are_upserted(tmp_path: Path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n\nintro\n\n{media_bench.TABLE_START}\n{media_bench.TABLE_END}\n\nafter\n")
    row = {
        "calls": 50,
        "seconds": 20.0,
        "calls_held": 50,
        "frames_dropped": 0,
        "added_latency_ms_p50": 1.0,
        "added_latency_ms_p99": 5.0,
        "jitter_ms_p99": 3.0,
        "server_cpu_s_per_call_minute": 0.1,
        "server_cpu_util": 0.1,
        "server_loop_lag_ms_p99": 2.0,
        "server_turn_latency_ms_p50": 0.2,
        "server_turn_latency_ms_p99": 1.0,
    }
    media_bench.write_table(row, doc)
    media_bench.write_table({**row, "calls": 10}, doc)
    media_bench.write_table({**row, "added_latency_ms_p99": 7.0}, doc)
    text = doc.read_text()
    assert text.startswith("# Perf\n\nintro") and text.rstrip().endswith("after")
    lines = [line for line in text.splitlines() if line.startswith("| 10 ") or line.startswith("| 50 ")]
    assert [line.split("|")[1].strip() for line in lines] == ["10", "50"]
    assert "1.0 / 7.0" in lines[1] and "1.0 / 5.0" in lines[0] and len(lines) == 2
