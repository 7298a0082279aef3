"""`gyde bench media --audio speech`: the media benchmark's calls speaking real speech on a noisy line.

Why: the codec workload (the simulator's FSK tones, energy VAD) is what the benchmark has always
measured and stays comparable; it cannot measure the speech VAD, which Silero rightly refuses to call
tones speech. Here every phone speaks espeak-ng utterances (rendered once per process) over white
line noise at -55 dBFS, and the server's STT is a stand-in that costs nothing (one final per end of
turn), so the difference between `--vad energy` and `--vad speech` on this workload is the new VAD's
cost per call-minute. Rows go to their own table in docs/performance.md.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from adapters.stt.base import Transcript
from bench import speech_corpus as corpus
from media_server import protocol

UTTERANCES = (
    "Yes, this is Sam speaking.",
    "What would the dental plan cost me?",
    "Maybe later this week works for me.",
    "Okay, that sounds good.",
)
NOISE_DBFS = -55.0
NOISE_FRAMES = 250  # 5 s of distinct noise frames, cycled
STAND_IN_TEXT = "speech"  # what the stand-in STT "hears": the echo agent answers "... 1 words."
TABLE_START = "<!-- media-vad:start -->"
TABLE_END = "<!-- media-vad:end -->"


@functools.lru_cache(maxsize=2)
def speech_script(stream_sid: str) -> Any:
    """A media_bench.Script whose utterances are espeak-ng speech over line noise."""
    from bench.media_bench import Script, _expected_reply_frames

    rng = np.random.default_rng(3)

    def media(frame: bytes) -> str:
        return protocol.inbound_media_message(stream_sid, 0, 0, 0, frame)

    utterances = []
    for index, text in enumerate(UTTERANCES):
        spoken = corpus.synthesize(text, corpus.VOICES[index % len(corpus.VOICES)], 165)
        line = corpus.scaled(spoken, -24.0) + corpus.noise("white", len(spoken), NOISE_DBFS, rng)
        utterances.append([media(f) for f in corpus.to_frames(line)])
    noise = corpus.to_frames(corpus.noise("white", NOISE_FRAMES * corpus.FRAME, NOISE_DBFS, rng))
    return Script(
        stream_sid=stream_sid,
        silence=media(noise[0]),
        utterances=utterances,
        expected_reply_frames=[_expected_reply_frames(STAND_IN_TEXT)] * len(UTTERANCES),
        noise=[media(f) for f in noise],
    )


class _StandInSession:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[Transcript | None] = asyncio.Queue()

    async def send_audio(self, mulaw_8k: bytes) -> None:
        return None

    async def flush(self) -> None:
        self._queue.put_nowait(Transcript(STAND_IN_TEXT, True, 1.0, "bench"))

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while (item := await self._queue.get()) is not None:
            yield item

    async def close(self) -> None:
        self._queue.put_nowait(None)


class BenchSpeechSTT:
    """An STT that costs nothing: one final per end of turn (the benchmark measures the pipeline)."""

    name = "bench"

    async def open_session(self) -> _StandInSession:
        return _StandInSession()


def write_vad_table(result: dict[str, Any], path: Path) -> None:
    """Upsert this run's row (keyed by audio, VAD, calls, seconds) in the VAD-cost table."""
    header = (
        "| audio | VAD | calls | seconds | held | frames dropped | server CPU s per call-minute "
        "| Silero windows per call-minute | added latency p50 / p99 (ms) |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    minutes = result["calls"] * result["window_s"] / 60.0
    windows = result.get("server_vad_silero_windows")
    per_minute = None if windows is None or not minutes else round(windows / minutes, 1)
    row = (
        f"| {result['audio']} | {result['vad']} | {result['calls']} | {result['seconds']:g} "
        f"| {result['calls_held']} | {result['frames_dropped']} | {result['server_cpu_s_per_call_minute']} "
        f"| {per_minute} | {result['added_latency_ms_p50']} / {result['added_latency_ms_p99']} |"
    )
    text = path.read_text()
    rows: dict[tuple[str, ...], str] = {}
    if TABLE_START in text:
        before, rest = text.split(TABLE_START, 1)
        body, after = rest.split(TABLE_END, 1)
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 9 and cells[2].isdigit():
                rows[tuple(cells[:4])] = line
    else:
        before, after = text.rstrip() + "\n\n", "\n"
    key = (result["audio"], result["vad"], str(result["calls"]), f"{result['seconds']:g}")
    rows[key] = row
    table = header + "\n".join(rows[k] for k in sorted(rows, key=lambda k: (k[0], int(k[2]), k[1]))) + "\n"
    path.write_text(f"{before}{TABLE_START}\n{table}{TABLE_END}{after}")
