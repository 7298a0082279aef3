"""The media server as the benchmark runs it: zero-cost providers (the simulator's codec for STT and
TTS, the echo agent), no workflow, in-memory session store. Same CallSession, player and server code
as production. Run as `python -m bench.bench_server --port P --stats FILE`; SIGTERM writes stats.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import statistics
from typing import Any

from adapters.local_speech.providers import LocalSTT, LocalTTS
from bench.server_child import LAG, pct_ms, watch_loop_lag, write_json
from bench.speech_workload import BenchSpeechSTT
from media_server.agent import echo_agent_factory
from media_server.control import NullControl
from media_server.endpointing import EndpointConfig
from media_server.server import MediaServer
from media_server.session import SessionConfig, SessionServices
from media_server.session_store import MemorySessionStore
from media_server.turn_taking import TurnConfig
from media_server.vad import VadConfig


def build_server(secret: str, eot_ms: int, engine: str = "energy", audio: str = "codec") -> MediaServer:
    """`engine`: the VAD engine ("energy" for the codec workload: tones, not speech). `audio`:
    "speech" when the phones speak espeak-ng speech; its STT is a free stand-in then."""
    if engine == "speech":
        from media_server.speech_vad import warm_up

        warm_up()
    config = SessionConfig(
        token_secret=secret,
        vad=VadConfig(threshold_dbfs=-45.0, start_ms=40, eot_silence_ms=eot_ms, engine=engine),
        turn=TurnConfig(endpoint=EndpointConfig.fixed(eot_ms)),
        start_timeout_s=10.0,
        idle_timeout_s=15.0,
        transcript_grace_s=0.4,
    )
    services = SessionServices(
        stt=LocalSTT() if audio == "codec" else BenchSpeechSTT(),
        tts=LocalTTS(),
        agent_factory=echo_agent_factory,
        control_factory=lambda ctx: NullControl(),
        store=MemorySessionStore(),
    )
    server = MediaServer(config, services)
    server.keep_reports = True
    return server


SILERO_WINDOWS = [0]  # Silero windows run in this process (the speech VAD's cost driver)


def count_silero_windows() -> None:
    """Count every Silero window the server runs (wraps the confirmer; a few ns per call)."""
    from media_server import speech_vad

    inner = speech_vad.SileroConfirmer.is_speech

    def counted(self: speech_vad.SileroConfirmer, frames: Any) -> bool:
        before = self.windows
        result = inner(self, frames)
        SILERO_WINDOWS[0] += self.windows - before
        return result

    speech_vad.SileroConfirmer.is_speech = counted  # type: ignore[method-assign]


def stats(server: MediaServer) -> dict[str, object]:
    latencies = [
        t.added_latency_ms
        for r in server.completed
        for t in r.turns[1:]
        if t.added_latency_ms is not None and not t.interrupted
    ]
    reasons: dict[str, int] = {}
    for r in server.completed:
        key = r.reason.value if r.reason else "unknown"
        reasons[key] = reasons.get(key, 0) + 1
    return {
        "sessions": server.sessions,
        "completed": len(server.completed),
        "frames_in": server.frames_in,
        "frames_out": sum(r.frames_out for r in server.completed),
        "end_reasons": reasons,
        "server_turn_latency_ms_p50": statistics.median(latencies) if latencies else None,
        "server_turn_latency_ms_p99": pct_ms([x / 1000.0 for x in latencies], 99),
        "turns": len(latencies),
        "loop_lag_ms_p50": pct_ms(LAG, 50),
        "loop_lag_ms_p99": pct_ms(LAG, 99),
        "gc_counts": list(gc.get_count()),
        "turns_without_reply": sum(
            1 for r in server.completed for t in r.turns[1:] if not t.tts_providers and not t.interrupted
        ),
        "turns_interrupted": sum(1 for r in server.completed for t in r.turns if t.interrupted),
        "barge_ins": sum(r.barge_ins for r in server.completed),
        "vad_silero_windows": SILERO_WINDOWS[0],
    }


async def main(port: int, stats_path: str, eot_ms: int, engine: str, audio: str) -> None:
    logging.basicConfig(level=logging.WARNING)
    server = build_server(os.environ["GYDE_STREAM_TOKEN_SECRET"], eot_ms, engine, audio)
    count_silero_windows()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    gc.collect()
    gc.freeze()  # startup objects never need scanning again
    lag_task = asyncio.create_task(watch_loop_lag())
    async with server.serve("127.0.0.1", port):
        print("ready", flush=True)
        await stop.wait()
        for _ in range(100):  # let sessions that are closing finish their reports
            if server.active == 0:
                break
            await asyncio.sleep(0.05)
    lag_task.cancel()
    write_json(stats_path, stats(server))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", required=True)
    parser.add_argument("--eot-ms", type=int, default=500)
    parser.add_argument("--vad", choices=("energy", "speech"), default="energy")
    parser.add_argument("--audio", choices=("codec", "speech"), default="codec")
    ns = parser.parse_args()
    asyncio.run(main(ns.port, ns.stats, ns.eot_ms, ns.vad, ns.audio))
