"""`gyde bench media`: N concurrent simulated calls against a media server, over real WebSockets in
Twilio's Media Streams protocol, at real-time pace, from this process; the server runs in another
process (pinned to one core when `taskset` exists) unless `--url` points at one already running.

Each simulated callee sends one 20 ms frame every 20 ms for the whole call (Twilio does too), speaks a
sentence in the simulator's codec, stays silent for the end-of-turn threshold and waits for the reply,
echoing every `mark` as Twilio does once audio has played. Measured:

- added turn latency: first reply frame received minus the moment the frame that completed the
  end-of-turn silence was sent (the configured silence itself is excluded; providers cost ~0 here,
  so this is the pipeline's own cost plus two socket hops);
- outbound jitter: |inter-arrival - 20 ms| of reply frames within a reply; frames dropped: media
  frames the server did not process, plus reply frames missing against the reply audio's length;
- server CPU seconds per call-minute, from /proc over the window in which every call is live."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.protocol import State

from adapters.local_speech import fsk_codec
from media_server import protocol
from security.stream_token import mint
from stack.supervisor import free_port

FRAME_S = 0.02
SLOTS = 10  # phases within the 20 ms frame period over which calls are spread
SILENCE_MSG_FRAME = b"\xff" * 160
UTTERANCES = (
    "Yes, this is Sam speaking.",
    "What would the dental plan cost me?",
    "Maybe later this week works for me.",
    "Okay, that sounds good.",
)
_WORDS = re.compile(r"\S+")
REPLY_SENTENCES = 2  # the echo agent answers every turn with two sentences (one mark each)
GREETING_SENTENCES = 1
REPLY_STALL_S = 1.0  # a reply with no frame for this long is treated as over (lost marks)
TURN_TIMEOUT_S = 3.0
DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
TABLE_START = "<!-- media-bench:start -->"
TABLE_END = "<!-- media-bench:end -->"


def _frames(audio: bytes) -> list[bytes]:
    return [audio[i : i + 160].ljust(160, b"\xff") for i in range(0, len(audio), 160)]


def _expected_reply_frames(utterance: str) -> int:
    words = len(_WORDS.findall(utterance))
    sentences = (f"Thanks, I heard {words} words.", "Anything else?")
    return sum(math.ceil(len(fsk_codec.encode(s)) / 160) for s in sentences)


@dataclass
class Script:
    """Pre-built messages shared by all calls (building JSON per frame would dominate the client)."""

    stream_sid: str
    silence: str
    utterances: list[list[str]]
    expected_reply_frames: list[int]
    noise: list[str] = field(default_factory=list)  # line noise between utterances (speech audio)

    def quiet(self, index: int) -> str:
        return self.noise[index % len(self.noise)] if self.noise else self.silence

    @classmethod
    def build(cls, stream_sid: str) -> Script:
        def media(frame: bytes) -> str:
            return protocol.inbound_media_message(stream_sid, 0, 0, 0, frame)

        return cls(
            stream_sid=stream_sid,
            silence=media(SILENCE_MSG_FRAME),
            utterances=[[media(f) for f in _frames(fsk_codec.encode(u))] for u in UTTERANCES],
            expected_reply_frames=[_expected_reply_frames(u) for u in UTTERANCES],
        )


@dataclass
class CallStats:
    connected: bool = False
    clean_close: bool = False
    turns: int = 0
    missed: int = 0
    frames_sent: int = 0
    reply_frames_missing: int = 0
    latencies: list[float] = field(default_factory=list)
    jitter: list[float] = field(default_factory=list)
    error: str = ""


class PhoneCall:
    """One simulated callee; `tick` is called every 20 ms by the shared ticker."""

    SPEAK, WAIT_REPLY, PAUSE = range(3)

    def __init__(self, index: int, script: Script, eot_frames: int, rng: random.Random) -> None:
        self.index = index
        self.call_sid = f"CA{index:032d}"
        self.script = script
        self.eot_frames = eot_frames
        self.rng = rng
        self.stats = CallStats()
        self.ws: ClientConnection | None = None
        self.phase = self.WAIT_REPLY  # the agent greets first
        self.greeting = True
        self.pos = 0
        self.utt = rng.randrange(len(script.utterances))
        self.silent_frames = 0
        self.t_eot: float | None = None
        self.reply_started = False
        self.reply_frames = 0
        self.reply_marks = 0
        self.last_media = 0.0
        self.wait_started = 0.0

    def send(self, text: str) -> None:
        ws = self.ws
        if ws is not None and ws.protocol.state is State.OPEN:
            ws.protocol.send_text(text.encode())
            ws.send_data()

    def tick(self, now: float) -> None:
        if self.phase == self.SPEAK:
            frames = self.script.utterances[self.utt]
            self.send(frames[self.pos])
            self.pos += 1
            if self.pos == len(frames):
                self._wait_reply(now)
        elif self.phase == self.WAIT_REPLY:
            self.silent_frames += 1
            if self.silent_frames == self.eot_frames and not self.greeting:
                self.t_eot = now
            self.send(self.script.quiet(self.stats.frames_sent))
            expected_marks = GREETING_SENTENCES if self.greeting else REPLY_SENTENCES
            if self.reply_started and (
                self.reply_marks >= expected_marks or now - self.last_media > REPLY_STALL_S
            ):
                self._reply_done()
            elif (
                not self.reply_started
                and now - self.wait_started > TURN_TIMEOUT_S + self.eot_frames * FRAME_S
            ):
                self.stats.missed += 1
                self._pause()
        else:
            self.send(self.script.quiet(self.stats.frames_sent))
            self.pos -= 1
            if self.pos <= 0:
                self.phase, self.pos = self.SPEAK, 0
        self.stats.frames_sent += 1

    def _wait_reply(self, now: float) -> None:
        self.phase, self.silent_frames, self.t_eot = self.WAIT_REPLY, 0, None
        self.reply_started, self.reply_frames, self.wait_started = False, 0, now
        self.reply_marks = 0

    def _reply_done(self) -> None:
        if not self.greeting:
            self.stats.turns += 1
            missing = self.script.expected_reply_frames[self.utt] - self.reply_frames
            self.stats.reply_frames_missing += max(0, missing)
            self.utt = (self.utt + 1) % len(self.script.utterances)
        self.greeting = False
        self._pause()

    def _pause(self) -> None:
        self.phase, self.pos = self.PAUSE, self.rng.randint(10, 25)

    def on_message(self, raw: str | bytes, now: float) -> None:
        text = raw if isinstance(raw, str) else raw.decode()
        if text.startswith('{"event":"media"'):
            if self.phase != self.WAIT_REPLY:
                return
            if not self.reply_started:
                self.reply_started = True
                if self.t_eot is not None:
                    self.stats.latencies.append(now - self.t_eot)
            else:
                self.stats.jitter.append(abs(now - self.last_media - FRAME_S))
            self.last_media = now
            self.reply_frames += 1
        else:
            event = protocol.parse_outbound(text)
            if isinstance(event, protocol.OutMark):  # Twilio echoes a mark once the audio before it played
                self.send(protocol.inbound_mark_message(self.script.stream_sid, event.name))
                if self.phase == self.WAIT_REPLY and self.reply_started:
                    self.reply_marks += 1


async def _receive(call: PhoneCall, loop: asyncio.AbstractEventLoop) -> None:
    assert call.ws is not None
    try:
        async for raw in call.ws:
            call.on_message(raw, loop.time())
    except Exception as exc:  # the server closed on us: recorded, the run goes on
        call.stats.error = type(exc).__name__


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100.0 * (len(ordered) - 1))))]


def _proc_cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


@dataclass
class ServerProcess:
    proc: subprocess.Popen[bytes]
    url: str
    stats_path: Path
    pinned: bool


SERVER_KINDS = ("media", "echo")  # bench.bench_server (the media server), bench.echo_server (yardstick)


def start_server(
    secret: str, eot_ms: int, pin: bool, vad: str = "energy", audio: str = "codec", kind: str = "media"
) -> ServerProcess:
    port = free_port()
    stats_path = Path(tempfile.mkdtemp(prefix="gyde-bench-")) / "server-stats.json"
    module = {"media": "bench.bench_server", "echo": "bench.echo_server"}[kind]
    cmd = [sys.executable, "-m", module, "--port", str(port), "--stats", str(stats_path)]
    cmd += ["--eot-ms", str(eot_ms)]
    if kind == "media":
        cmd += ["--vad", vad, "--audio", audio]
    pinned = pin and shutil.which("taskset") is not None
    if pinned:
        cmd = ["taskset", "-c", "0", *cmd]
    env = {**os.environ, "GYDE_STREAM_TOKEN_SECRET": secret}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if b"ready" not in line:
        proc.kill()
        raise RuntimeError("bench server did not start")
    return ServerProcess(proc, f"ws://127.0.0.1:{port}/media", stats_path, pinned)


def stop_server(server: ServerProcess) -> dict[str, Any]:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    if server.stats_path.exists():
        data: dict[str, Any] = json.loads(server.stats_path.read_text())
        return data
    return {}


async def drive(
    url: str,
    secret: str,
    calls: int,
    seconds: float,
    eot_ms: int,
    server_pid: int | None,
    seed: int = 1,
    audio: str = "codec",
) -> dict[str, Any]:
    """Run the calls; returns raw measurements (see module docstring)."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    if audio == "speech":
        from bench.speech_workload import speech_script

        script = speech_script("MZ" + "0" * 32)
    else:
        script = Script.build("MZ" + "0" * 32)
    eot_frames = max(1, math.ceil(eot_ms / 20))
    phones = [PhoneCall(i, script, eot_frames, random.Random(rng.random())) for i in range(calls)]
    active: list[PhoneCall] = []
    receivers: list[asyncio.Task[None]] = []
    stop_ticker = asyncio.Event()
    lateness: list[float] = []

    async def ticker() -> None:
        """Every call sends a frame every 20 ms, but calls are spread over SLOTS phases of the
        20 ms period, as independent real calls are: a synchronised burst of every call's frame
        at the same instant would measure queueing behind the burst, not the pipeline."""
        start = loop.time()
        k = 0
        step = FRAME_S / SLOTS
        while not stop_ticker.is_set():
            k += 1
            target = start + k * step
            delay = target - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = loop.time()
            lateness.append(now - target)
            slot = k % SLOTS
            for phone in active:
                if phone.index % SLOTS == slot:
                    phone.tick(now)

    async def open_call(phone: PhoneCall) -> None:
        token = mint(secret, f"outreach:bench:{phone.index}", phone.call_sid, ttl_seconds=600)
        try:
            phone.ws = await connect(url, compression=None, open_timeout=30, max_size=2**16)
        except Exception as exc:
            phone.stats.error = f"connect: {type(exc).__name__}"
            return
        phone.stats.connected = True
        phone.send(protocol.connected_message())
        phone.send(protocol.start_message(script.stream_sid, phone.call_sid, {"token": token}))
        receivers.append(asyncio.create_task(_receive(phone, loop)))
        phone.wait_started = loop.time()  # the greeting is due from now
        active.append(phone)

    ticker_task = asyncio.create_task(ticker())
    client_cpu0 = time.process_time()
    ramp = max(0.005, min(0.02, 4.0 / max(calls, 1)))
    for phone in phones:
        asyncio.create_task(open_call(phone))  # noqa: RUF006 - awaited through `active` below
        await asyncio.sleep(ramp)
    for _ in range(500):
        if len(active) + sum(1 for p in phones if p.stats.error) >= calls:
            break
        await asyncio.sleep(0.02)
    window_start = loop.time()
    cpu0 = _proc_cpu_seconds(server_pid) if server_pid else None
    await asyncio.sleep(seconds)
    cpu1 = _proc_cpu_seconds(server_pid) if server_pid else None
    window = loop.time() - window_start
    client_cpu = time.process_time() - client_cpu0
    stop_ticker.set()
    await ticker_task
    for phone in active:
        phone.send(protocol.stop_message(script.stream_sid, phone.call_sid))
    for phone in active:
        if phone.ws is not None:
            try:
                await asyncio.wait_for(phone.ws.close(), 5)
                phone.stats.clean_close = not phone.stats.error
            except Exception as exc:
                phone.stats.error = phone.stats.error or f"close: {type(exc).__name__}"
    for task in receivers:
        task.cancel()
    await asyncio.gather(*receivers, return_exceptions=True)

    latencies_ms = [1000.0 * x - 0.0 for p in phones for x in p.stats.latencies]
    jitter_ms = [1000.0 * x for p in phones for x in p.stats.jitter]
    held = sum(
        1
        for p in phones
        if p.stats.connected and p.stats.clean_close and p.stats.missed == 0 and p.stats.turns > 0
    )
    return {
        "calls": calls,
        "seconds": seconds,
        "eot_ms": eot_ms,
        "calls_held": held,
        "turns": sum(p.stats.turns for p in phones),
        "missed_turns": sum(p.stats.missed for p in phones),
        "frames_sent": sum(p.stats.frames_sent for p in phones),
        "reply_frames_missing": sum(p.stats.reply_frames_missing for p in phones),
        "added_latency_ms_p50": _round(_percentile(latencies_ms, 50)),
        "added_latency_ms_p99": _round(_percentile(latencies_ms, 99)),
        "jitter_ms_p99": _round(_percentile(jitter_ms, 99)),
        "client_tick_lateness_ms_p99": _round(_percentile([1000 * x for x in lateness], 99)),
        "generator_lag_ms_p99": _round(_percentile([1000 * x for x in lateness], 99)),
        "server_cpu_s": None if cpu0 is None or cpu1 is None else round(sum(cpu1) - sum(cpu0), 3),
        "server_cpu_user_s": None if cpu0 is None or cpu1 is None else round(cpu1[0] - cpu0[0], 3),
        "window_s": round(window, 2),
        "client_cpu_util": round(client_cpu / max(window, 1e-9), 3),
        "errors": sorted({p.stats.error for p in phones if p.stats.error}),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def run(
    calls: int,
    seconds: float,
    url: str | None = None,
    eot_ms: int = 500,
    pin: bool = True,
    vad: str = "energy",
    audio: str = "codec",
    server_kind: str = "media",
) -> dict[str, Any]:
    """The whole benchmark: start a server process (unless `url`), drive the calls, summarise.
    `server_kind` "echo" starts the bare websockets yardstick (bench/echo_server.py) instead."""
    if calls < 1 or seconds <= 0:
        raise ValueError("--calls must be >= 1 and --seconds > 0")
    if server_kind not in SERVER_KINDS:
        raise ValueError(f"unknown server kind {server_kind!r}")
    if server_kind == "echo" and (audio != "codec" or url is not None):
        raise ValueError("the echo server answers the codec workload only, started by the benchmark")
    server: ServerProcess | None = None
    if url is None:
        secret = secrets.token_urlsafe(32)
        server = start_server(secret, eot_ms, pin, vad, audio, server_kind)
        url = server.url
    else:
        from settings import get_settings

        secret = get_settings().stream_token_secret.get_secret_value()
    if pin and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # keep the simulated phones off the server's core
    gc.collect()
    gc.freeze()
    gc.disable()  # the measuring side must not pause to collect mid-run (the server keeps its GC)
    try:
        pid = server.proc.pid if server else None
        result = asyncio.run(drive(url, secret, calls, seconds, eot_ms, pid, audio=audio))
    finally:
        gc.enable()
        server_stats = stop_server(server) if server else {}
    frames_in = server_stats.get("frames_in")
    dropped_in = None if frames_in is None else max(0, result["frames_sent"] - int(frames_in))
    result["server_frames_in"] = frames_in
    result["frames_dropped"] = (dropped_in or 0) + result["reply_frames_missing"]
    result["server_pinned_one_core"] = bool(server and server.pinned)
    result["server"] = server_kind
    result["vad"], result["audio"] = vad, audio
    cpu = result.pop("server_cpu_s")
    result["server_cpu_s_per_call_minute"] = (
        None if cpu is None else round(cpu / (calls * result["window_s"] / 60.0), 4)
    )
    result["server_cpu_util"] = None if cpu is None else round(cpu / result["window_s"], 3)
    result["server_end_reasons"] = server_stats.get("end_reasons")
    result["server_turn_latency_ms_p50"] = server_stats.get("server_turn_latency_ms_p50")
    result["server_turn_latency_ms_p99"] = server_stats.get("server_turn_latency_ms_p99")
    for key in (
        "turns_without_reply",
        "turns_interrupted",
        "barge_ins",
        "vad_silero_windows",
        "loop_lag_ms_p50",
        "loop_lag_ms_p99",
    ):
        result[f"server_{key}"] = server_stats.get(key)
    return result


def write_table(result: dict[str, Any], path: Path = DOC_PATH) -> None:
    """Upsert this run's row (keyed by calls and seconds) in the table in docs/performance.md."""
    header = (
        "| calls | seconds | held | frames dropped | added latency p50 / p99 (ms) | jitter p99 (ms) "
        "| server CPU s per call-minute | server core use | server loop lag p99 (ms) "
        "| server end-of-turn to first frame p50 / p99 (ms) |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    row = (
        f"| {result['calls']} | {result['seconds']:g} | {result['calls_held']} | {result['frames_dropped']} "
        f"| {result['added_latency_ms_p50']} / {result['added_latency_ms_p99']} | {result['jitter_ms_p99']} "
        f"| {result['server_cpu_s_per_call_minute']} | {result['server_cpu_util']} "
        f"| {result.get('server_loop_lag_ms_p99')} "
        f"| {result.get('server_turn_latency_ms_p50')} / {result.get('server_turn_latency_ms_p99')} |"
    )
    text = path.read_text() if path.exists() else "# Performance\n"
    rows: dict[tuple[str, str], str] = {}
    if TABLE_START in text and TABLE_END in text:
        before, rest = text.split(TABLE_START, 1)
        body, after = rest.split(TABLE_END, 1)
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 10 and cells[0].isdigit():
                rows[(cells[0], cells[1])] = line
    else:
        before, after = text.rstrip() + "\n\n## Media server benchmark (latest runs)\n\n", "\n"
    rows[(str(result["calls"]), f"{result['seconds']:g}")] = row
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (int(k[0]), float(k[1])))]
    table = header + "\n".join(ordered) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{before}{TABLE_START}\n{table}{TABLE_END}{after}")
