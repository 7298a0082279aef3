"""`gyde bench turns`: the turn-taking corpus through the real media server session, per noise level.

Every scenario of bench/turn_scenarios.py is rendered with espeak-ng, mixed with line noise
(white, babble, hum) at each level, and played as the inbound side of one call through CallSession
(speech VAD, endpointing, hold/backchannel/barge-in, player) in virtual time, with an STT stand-in
that releases the known words as they are spoken (bench/scripted_stt.py). Measured in stream time:

- turns split: answers with pauses inside that became more than one turn;
- turns missed: answers that never became a turn;
- extra wait: end of turn minus the end of the caller's speech (the silence the endpointer waited
  out; its median and the share within 700 ms);
- false barge-ins: backchannels, coughs and knocks over Emma that cancelled her reply (holds, the
  times she stopped and went on, are counted apart);
- interruption stop: stream time from the onset of a real interruption to Emma's `clear`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.local_speech.providers import LocalTTS
from bench import speech_corpus as corpus
from bench import turn_scenarios as sc
from bench.scripted_stt import ScriptedSTT
from bench.virtual_call import drive_call, run_virtual
from media_server.agent import EchoAgent
from media_server.control import NullControl
from media_server.session import SessionConfig, SessionServices
from media_server.session_store import MemorySessionStore
from media_server.turn_taking import TurnConfig
from media_server.vad import VadConfig

SECRET = "bench-turns-secret"
LEVELS = (-60.0, -50.0, -45.0, -40.0, -35.0)
DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
TABLE_START = "<!-- turns-bench:start -->"
TABLE_END = "<!-- turns-bench:end -->"


class TimedAgent(EchoAgent):
    """The echo agent, remembering when (virtual seconds) each caller turn reached it."""

    def __init__(self, greeting: tuple[str, ...]) -> None:
        super().__init__(greeting=greeting)
        self.turns: list[tuple[float, str]] = []

    async def respond(self, caller_text: str):  # type: ignore[no-untyped-def]
        self.turns.append((asyncio.get_running_loop().time(), caller_text))
        async for sentence in super().respond(caller_text):
            yield sentence


def session_config(turn: TurnConfig | None = None, vad: VadConfig | None = None) -> SessionConfig:
    return SessionConfig(
        token_secret=SECRET,
        vad=vad or VadConfig(engine="speech", start_ms=40, eot_silence_ms=700),
        turn=turn or TurnConfig(),
        idle_timeout_s=60.0,
        silence_reprompt_s=0.0,
    )


@dataclass
class Outcome:
    scenario: sc.Scenario
    seed: int
    noise: str | None
    level: float
    turns: int
    extra_wait_ms: float | None  # answers: end of turn minus end of speech
    barge_ins: int
    holds: int
    stop_ms: float | None  # interruptions: audible onset (3 dB over the noise) to clear
    stop_clip_ms: float | None  # interruptions: the clip's first sound to clear
    statement_heard: bool  # backchannels: Emma's whole statement played


async def _run_one(
    scenario: sc.Scenario,
    noise: str | None,
    level: float,
    seed: int,
    config: SessionConfig,
    stt_kw: dict[str, Any],
) -> Outcome:
    rendered = sc.render(scenario, noise, level, seed)
    agent = TimedAgent(scenario.question)
    services = SessionServices(
        stt=ScriptedSTT(rendered.words, **stt_kw),
        tts=LocalTTS(),
        agent_factory=lambda ctx, control: agent,
        control_factory=lambda ctx: NullControl(),
        store=MemorySessionStore(),
    )
    started = asyncio.get_running_loop().time()  # the first caller frame goes out now
    trace = await drive_call(config, services, rendered.frames, SECRET)
    end_s = rendered.speech_end / corpus.RATE
    extra = None
    if scenario.kind == "answer" and agent.turns:
        extra = round((agent.turns[-1][0] - started + 0.02 - end_s) * 1000.0, 1)
    stop = stop_clip = None
    if scenario.kind == "interrupt":
        stop = _stop_ms(trace.played, rendered.audible_start)
        stop_clip = _stop_ms(trace.played, rendered.speech_start)
    heard = len([m for m in trace.marks_played]) >= len(scenario.question) and trace.report.barge_ins == 0
    return Outcome(
        scenario,
        seed,
        noise,
        level,
        len(agent.turns),
        extra,
        trace.report.barge_ins,
        trace.report.holds,
        stop,
        stop_clip,
        heard,
    )


def _stop_ms(played: list[int], onset_sample: int) -> float | None:
    """Stream time from the onset's frame (1-based, as frames are counted) to the first frame in
    which the phone plays nothing of Emma (a `clear`, or a hold that began before the onset)."""
    onset_frame = onset_sample // corpus.FRAME + 1
    playing = set(played)
    for frame in range(onset_frame, onset_frame + 100):
        if frame not in playing and frame + 1 not in playing:
            return (frame - onset_frame + 1) * 20.0
    return None


def run_corpus(
    levels: Iterable[float] = LEVELS,
    noises: Iterable[str] = corpus.NOISES,
    seeds: int = 2,
    config: SessionConfig | None = None,
    stt_kw: dict[str, Any] | None = None,
    only: Iterable[sc.Scenario] | None = None,
    clean: bool = True,
) -> list[Outcome]:
    """Every scenario at every (noise, level), `seeds` renderings each (voice, speed, level, timing)."""
    config = config or session_config()
    stt_kw = stt_kw if stt_kw is not None else {"lag_ms": 0, "endpoint_ms": 300}
    plan: list[tuple[str | None, float]] = [(None, -120.0)] if clean else []
    plan += [(n, lv) for n in noises for lv in levels]
    cases = list(only) if only is not None else sc.scenarios()
    outcomes: list[Outcome] = []

    async def main() -> None:
        for index, scenario in enumerate(cases):
            for noise, level in plan:
                for seed in range(seeds):
                    key = zlib.crc32(f"{index}:{noise}:{level}:{seed}".encode())  # same every run
                    outcomes.append(await _run_one(scenario, noise, level, key, config, stt_kw))

    run_virtual(main)
    return outcomes


@dataclass
class Row:
    condition: str
    answers: int = 0
    paused: int = 0
    split: int = 0
    missed: int = 0
    waits: list[float] = field(default_factory=list)
    backchannels: int = 0
    false_barge_ins: int = 0
    holds: int = 0
    interrupts: int = 0
    stops: list[float] = field(default_factory=list)
    stops_clip: list[float] = field(default_factory=list)
    not_stopped: int = 0

    def as_dict(self) -> dict[str, Any]:
        within = sum(1 for w in self.waits if w <= 700)
        return {
            "condition": self.condition,
            "answers": self.answers,
            "paused_answers": self.paused,
            "turns_split": self.split,
            "turns_missed": self.missed,
            "one_turn_share": round(1 - self.split / self.paused, 4) if self.paused else None,
            "median_extra_wait_ms": round(statistics.median(self.waits), 1) if self.waits else None,
            "ended_within_700ms_share": round(within / len(self.waits), 4) if self.waits else None,
            "backchannels": self.backchannels,
            "false_barge_ins": self.false_barge_ins,
            "backchannel_holds": self.holds,
            "interruptions": self.interrupts,
            "interruption_stop_ms_max": max(self.stops) if self.stops else None,
            "interruption_stop_ms_median": statistics.median(self.stops) if self.stops else None,
            "interruption_stop_from_clip_start_ms_max": max(self.stops_clip) if self.stops_clip else None,
            "interruptions_not_stopped_in_100ms": self.not_stopped + sum(1 for s in self.stops if s > 100),
        }


def summarise(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    rows: dict[str, Row] = {}
    for o in outcomes:
        name = "clean" if o.noise is None else f"{o.noise} {int(o.level)} dBFS"
        for key in (name, "all"):
            row = rows.setdefault(key, Row(key))
            if o.scenario.kind == "answer":
                row.answers += 1
                row.paused += o.scenario.paused
                row.split += o.scenario.paused and o.turns > 1
                row.missed += o.turns == 0
                if o.extra_wait_ms is not None and o.turns == 1:
                    row.waits.append(o.extra_wait_ms)
            elif o.scenario.kind == "backchannel":
                row.backchannels += 1
                row.false_barge_ins += o.barge_ins > 0
                row.holds += o.holds
            else:
                row.interrupts += 1
                if o.stop_ms is None:
                    row.not_stopped += 1
                else:
                    row.stops.append(o.stop_ms)
                    row.stops_clip.append(o.stop_clip_ms or o.stop_ms)
    return [row.as_dict() for row in rows.values()]


def run(seeds: int = 2, levels: Iterable[float] = LEVELS) -> dict[str, Any]:
    started = time.perf_counter()
    outcomes = run_corpus(levels=levels, seeds=seeds)
    return {
        "calls": len(outcomes),
        "seconds": round(time.perf_counter() - started, 1),
        "rows": summarise(outcomes),
    }


def write_table(result: dict[str, Any], path: Path = DOC_PATH) -> None:
    header = (
        "| condition | answers | paused: one turn | turns split | turns missed | median extra wait (ms) "
        "| ended within 700 ms | backchannels | false barge-ins | holds | interruptions | stop max (ms) "
        "| not stopped in 100 ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in result["rows"]:
        one = "-" if r["one_turn_share"] is None else f"{r['one_turn_share']:.1%}"
        within = "-" if r["ended_within_700ms_share"] is None else f"{r['ended_within_700ms_share']:.1%}"
        lines.append(
            f"| {r['condition']} | {r['answers']} | {one} | {r['turns_split']} | {r['turns_missed']} "
            f"| {r['median_extra_wait_ms']} | {within} | {r['backchannels']} | {r['false_barge_ins']} "
            f"| {r['backchannel_holds']} | {r['interruptions']} | {r['interruption_stop_ms_max']} "
            f"| {r['interruptions_not_stopped_in_100ms']} |"
        )
    table = header + "\n".join(lines) + "\n"
    text = path.read_text()
    if TABLE_START in text:
        head, rest = text.split(TABLE_START, 1)
        tail = rest.split(TABLE_END, 1)[1]
        text = f"{head}{TABLE_START}\n{table}{TABLE_END}{tail}"
    else:
        text += f"\n{TABLE_START}\n{table}{TABLE_END}\n"
    path.write_text(text)
