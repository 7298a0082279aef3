"""`gyde bench media --compare-echo [--find-capacity]`: the bare echo server answers the generator's
turns in the Media Streams protocol, the comparison runs both servers and gives ratios, and the
capacity search finds (or fails to find) what a fake server holds. Nothing here asserts a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from bench import media_bench
from bench.echo_server import EchoServer
from bench.media_capacity import (
    TABLE_END,
    TABLE_START,
    CapacityBar,
    CapacityPlan,
    compare_echo,
    find_capacity,
    goal_met,
    judge,
    write_echo_table,
)
from cli.main import main
from media_server import protocol

SID = "MZ" + "1" * 32


async def _reply(ws: Any) -> tuple[int, list[str]]:
    """Media frames until the marks of one reply: (frames, mark names); echoes marks as Twilio."""
    frames, marks = 0, []
    async for raw in ws:
        event = protocol.parse_outbound(raw)
        if isinstance(event, protocol.OutMedia):
            frames += 1
        elif isinstance(event, protocol.OutMark):
            marks.append(event.name)
            await ws.send(protocol.inbound_mark_message(SID, event.name))
            return frames, marks
    raise AssertionError("connection closed mid-reply")


async def test_the_echo_server_greets_and_answers_a_turn_as_the_generator_expects() -> None:
    echo = EchoServer(eot_ms=100)  # 5 silent frames end a turn
    script = media_bench.Script.build(SID)
    async with serve(echo.handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/media", compression=None) as ws:
            await ws.send(protocol.connected_message())
            await ws.send(protocol.start_message(SID, "CA" + "0" * 32, {"token": "not checked"}))
            greeting_frames, greeting_marks = await _reply(ws)
            assert greeting_frames > 0 and len(greeting_marks) == media_bench.GREETING_SENTENCES

            for message in script.utterances[1]:  # the caller speaks ...
                await ws.send(message)
            for _ in range(4):  # ... and is silent for one frame less than the end-of-turn
                await ws.send(script.silence)
            assert echo.turns == 0
            await ws.send(script.silence)  # the frame that completes the silence ends the turn
            frames, marks = 0, []
            for _ in range(media_bench.REPLY_SENTENCES):
                n, names = await _reply(ws)
                frames, marks = frames + n, marks + names
            assert frames == media_bench._expected_reply_frames(media_bench.UTTERANCES[1])
            assert len(set(marks)) == media_bench.REPLY_SENTENCES
            for _ in range(30):  # silence after the reply is not a new turn
                await ws.send(script.silence)
            await ws.send(protocol.stop_message(SID, "CA" + "0" * 32))
            await ws.wait_closed()
    assert echo.turns == 1 and echo.sessions == 1
    assert echo.frames_in == len(script.utterances[1]) + 5 + 30


def test_the_echo_reply_has_the_length_of_every_utterance_s_reply() -> None:
    from bench.echo_server import REPLY, sentence_frames

    frames = sum(len(sentence_frames(s)) for s in REPLY)
    assert {media_bench._expected_reply_frames(u) for u in media_bench.UTTERANCES} == {frames}


def test_compare_echo_runs_both_servers_and_gives_ratios(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["bench", "media", "--compare-echo", "--calls", "2", "--seconds", "2", "--eot-ms", "200"]
    assert main([*args, "--no-pin", "--no-write", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["media"]["server"] == "media" and result["echo"]["server"] == "echo"
    for kind in ("media", "echo"):
        r = result[kind]
        assert r["calls"] == 2 and r["errors"] == [] and r["frames_dropped"] == 0
        assert r["server_frames_in"] == r["frames_sent"] > 0
        assert r["server_cpu_s_per_call_minute"] is not None and "generator_lag_ms_p99" in r
    assert isinstance(result["ratio_cpu_per_call_minute"], float)
    assert "ratio_calls_held" in result and result["ratio_calls_held_basis"] == "calls_held_at_fixed_calls"
    assert result["capacity"] is None and result["machine"]["cpus"] >= 1

    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n\nbefore\n\n{TABLE_START}\nold\n{TABLE_END}\n\nafter\n")
    write_echo_table(result, doc)
    text = doc.read_text()
    body = text.split(TABLE_START)[1].split(TABLE_END)[0]
    assert "old" not in body and "| media |" in body and "| echo |" in body and "**media / echo**" in body
    assert text.startswith("# Perf\n\nbefore") and text.rstrip().endswith("after")


def test_compare_echo_refuses_a_url_or_speech_audio(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["bench", "media", "--compare-echo", "--url", "ws://127.0.0.1:1/media"]) == 2
    assert main(["bench", "media", "--find-capacity", "--audio", "speech"]) == 2
    assert "codec audio only" in capsys.readouterr().err


# --- the capacity search, on a fake measurement -----------------------------------------------


def holds_up_to(k: int, lag_from: int | None = None) -> Any:
    """A fake run(): every call held, p99 10 ms, up to k calls; beyond, p99 900 ms and a call lost.
    From `lag_from` calls on, the generator itself is late."""
    seen: list[int] = []

    def measure(n: int) -> dict[str, Any]:
        seen.append(n)
        ok = n <= k
        return {
            "calls": n,
            "calls_held": n if ok else n - 1,
            "added_latency_ms_p99": 10.0 if ok else 900.0,
            "frames_sent": 1000 * n,
            "frames_dropped": 0,
            "generator_lag_ms_p99": 50.0 if lag_from is not None and n >= lag_from else 1.0,
        }

    measure.seen = seen  # type: ignore[attr-defined]
    return measure


PLAN = CapacityPlan(start=100, step=100, max_calls=1000, resolution=25, seconds=1)


@pytest.mark.parametrize("k", [100, 137, 250, 401, 480, 599, 999])
def test_the_search_finds_what_the_server_holds_within_its_resolution(k: int) -> None:
    measure = holds_up_to(k)
    found = find_capacity(measure, CapacityBar(), PLAN)
    assert found["calls_held_at_bar"] <= k < found["calls_held_at_bar"] + PLAN.resolution + 1
    assert found["first_failed_calls"] - found["calls_held_at_bar"] <= PLAN.resolution
    assert found["limited_by"] == "calls_lost+latency" and not found["lower_bound"]
    assert [s["calls"] for s in found["steps"]] == measure.seen
    assert all(s["held"] == (s["calls"] <= k) for s in found["steps"])


def test_the_search_can_fail_at_its_first_step() -> None:
    found = find_capacity(holds_up_to(10), CapacityBar(), PLAN)
    assert found["calls_held_at_bar"] == 0 and found["first_failed_calls"] <= PLAN.resolution
    assert found["limited_by"] == "calls_lost+latency"


def test_the_search_stops_at_its_maximum_as_a_lower_bound() -> None:
    found = find_capacity(holds_up_to(5000), CapacityBar(), PLAN)
    assert found["calls_held_at_bar"] == 1000 and found["first_failed_calls"] is None
    assert found["limited_by"] == "max_calls" and found["lower_bound"]


def test_a_lagging_generator_makes_the_capacity_a_lower_bound_set_by_the_generator() -> None:
    found = find_capacity(holds_up_to(5000, lag_from=600), CapacityBar(), PLAN)
    assert 575 <= found["calls_held_at_bar"] < 600
    assert found["limited_by"] == "generator" and found["lower_bound"]


def test_judge_names_every_way_a_step_fails() -> None:
    ok = {"calls": 10, "calls_held": 10, "added_latency_ms_p99": 5.0, "frames_sent": 10000}
    ok |= {"frames_dropped": 10, "generator_lag_ms_p99": 2.0}
    assert judge(ok, CapacityBar()) == []
    assert judge({**ok, "added_latency_ms_p99": 501.0}, CapacityBar()) == ["latency"]
    assert judge({**ok, "added_latency_ms_p99": None}, CapacityBar()) == ["latency"]
    assert judge({**ok, "frames_dropped": 11}, CapacityBar()) == ["drops"]
    assert judge({**ok, "calls_held": 9}, CapacityBar()) == ["calls_lost"]
    assert judge({**ok, "generator_lag_ms_p99": 21.0}, CapacityBar()) == ["generator_lag"]
    assert judge({**ok, "added_latency_ms_p99": 60.0}, CapacityBar(latency_ms=50)) == ["latency"]


def test_compare_echo_with_capacity_reports_the_ratio_of_capacities() -> None:
    def fake_run(calls: int, seconds: float, **kw: Any) -> dict[str, Any]:
        k = 400 if kw["server_kind"] == "media" else 600
        r = holds_up_to(k, lag_from=650)(calls)
        cpu = 0.12 if kw["server_kind"] == "media" else 0.06
        return {**r, "server": kw["server_kind"], "server_cpu_s_per_call_minute": cpu}

    plan = CapacityPlan(start=100, step=100, max_calls=1000, resolution=25, seconds=1)
    result = compare_echo(50, 1, pin=False, capacity=(CapacityBar(), plan), runner=fake_run)
    assert result["capacity"]["media"]["calls_held_at_bar"] == 400
    assert result["capacity"]["echo"]["calls_held_at_bar"] == 600
    assert result["ratio_calls_held"] == round(400 / 600, 3) and result["goal_met"] is False
    assert result["ratio_cpu_per_call_minute"] == 2.0 and result["ratio_calls_held_basis"] == "capacity"
    assert result["generator_bound"] is False


def test_the_goal_is_only_claimed_when_the_bounds_allow_it() -> None:
    assert goal_met(0.9, False, False) is True and goal_met(0.7, False, False) is False
    assert goal_met(0.9, False, True) is None  # echo held more than measured: the ratio may be lower
    assert goal_met(0.7, False, True) is False  # ... and it can only be lower
    assert goal_met(0.9, True, False) is True and goal_met(0.7, True, False) is None
    assert goal_met(0.9, True, True) is None and goal_met(None, False, False) is None
