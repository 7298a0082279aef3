"""A bare `websockets` echo server that answers `gyde bench media`'s load: the yardstick, not a
media server. `gyde bench media --compare-echo` runs the same load against it and against the real
media server (bench/bench_server.py) to say how close the media server gets to what plain
`websockets` on asyncio can carry on one core with this load generator.

It speaks just enough of Twilio Media Streams for the generator's accounting to work unchanged:

- `start`: remembers the streamSid and plays the greeting (one sentence, one `mark`), as the
  media server does before the caller's first turn. Auth is ignored: the stream token in the
  start's customParameters is not checked (the media server verifies it; a yardstick needs not).
- `media`: counted (`frames_in`, so the generator's dropped-frame count means the same thing).
  End of turn is found the cheapest way that works for this generator: a frame whose message ends
  with the generator's digital-silence payload is silence, anything else is the caller's speech
  (the simulator's FSK tones have no silent frame inside an utterance); after speech, the
  `--eot-ms` / 20 ms-th consecutive silent frame ends the turn and the reply starts at once. No
  JSON parsing, no base64 decoding, no VAD, no STT, no agent.
- the reply: the frames of the two sentences the echo agent says ("Thanks, I heard N words.",
  "Anything else?": the same length for every one of the generator's utterances, all of which
  have a single-digit word count), each sentence followed by its `mark`, exactly what
  `media_bench._expected_reply_frames` counts; paced on an absolute 20 ms grid by one
  `loop.call_at` timer per call, written through the connection's sans-I/O protocol object, the
  same way the media server's player sends (media_server/player.py, server.WebSocketTransport).
- other messages (`connected`, `mark` echoes, `stop`) are parsed as JSON (a few per turn); marks
  are ignored; `stop` (or the phone closing) ends the call.

Run as `python -m bench.echo_server --port P --stats FILE [--eot-ms MS]`: prints `ready` once
listening; SIGTERM writes stats (frames_in, sessions, loop lag) to FILE, like bench_server.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
import signal
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.protocol import State

from adapters.local_speech import fsk_codec
from bench.server_child import LAG, pct_ms, watch_loop_lag, write_json
from media_server import protocol

FRAME_S = 0.02
GREETING = ("Hello, this is Emma.",)  # media_server.agent.EchoAgent's greeting
REPLY = ("Thanks, I heard 5 words.", "Anything else?")  # EchoAgent.respond, single-digit count
# The generator's silent frame (bench.media_bench.SILENCE_MSG_FRAME) ends its media message so:
SILENT_TAIL = '"payload":"' + protocol.b64(b"\xff" * 160) + '"}}'
_MEDIA_PREFIX = '{"event":"media"'


def sentence_frames(text: str) -> list[bytes]:
    audio = fsk_codec.encode(text)
    return [audio[i : i + 160].ljust(160, b"\xff") for i in range(0, len(audio), 160)]


def _messages(stream_sid: str, sentences: tuple[str, ...], first_mark: int) -> list[str]:
    """Every outbound message of a reply, in order: each sentence's media frames then its mark."""
    out: list[str] = []
    for i, sentence in enumerate(sentences):
        out += [protocol.media_message(stream_sid, protocol.b64(f)) for f in sentence_frames(sentence)]
        out.append(protocol.mark_message(stream_sid, f"u{first_mark + i}"))
    return out


class EchoServer:
    def __init__(self, eot_ms: int = 500) -> None:
        self.eot_frames = max(1, math.ceil(eot_ms / 20))
        self.frames_in = 0
        self.sessions = 0
        self.turns = 0
        self._scripts: dict[str, tuple[list[str], list[str]]] = {}  # streamSid -> (greeting, reply)

    def _script(self, stream_sid: str) -> tuple[list[str], list[str]]:
        script = self._scripts.get(stream_sid)
        if script is None:  # the generator uses one streamSid for every call: built once
            script = (_messages(stream_sid, GREETING, 1), _messages(stream_sid, REPLY, 2))
            self._scripts[stream_sid] = script
        return script

    async def handler(self, ws: ServerConnection) -> None:
        self.sessions += 1
        loop = asyncio.get_running_loop()
        reply: list[str] = []
        queue: list[str] = []  # what is left of the reply being played, next message last
        timer: list[asyncio.TimerHandle | None] = [None]
        next_at = [0.0]

        def tick() -> None:
            timer[0] = None
            if ws.protocol.state is not State.OPEN:
                queue.clear()
                return
            ws.protocol.send_text(queue.pop().encode())  # one media frame
            while queue and not queue[-1].startswith(_MEDIA_PREFIX):  # its sentence's mark
                ws.protocol.send_text(queue.pop().encode())
            ws.send_data()
            if queue:
                next_at[0] += FRAME_S
                now = loop.time()
                if next_at[0] < now - FRAME_S:  # the loop stalled: resume the cadence from now
                    next_at[0] = now
                timer[0] = loop.call_at(next_at[0], tick)

        def play(messages: list[str]) -> None:
            if timer[0] is not None:
                timer[0].cancel()
            queue[:] = messages[::-1]
            next_at[0] = loop.time()
            tick()  # the first frame leaves as soon as the turn ends

        speech = False
        silent = 0
        eot = self.eot_frames
        try:
            async for raw in ws:
                text = raw if isinstance(raw, str) else raw.decode()
                if text.startswith(_MEDIA_PREFIX):
                    self.frames_in += 1
                    if not text.endswith(SILENT_TAIL):
                        speech, silent = True, 0
                    elif speech:
                        silent += 1
                        if silent == eot and reply:
                            speech = False
                            self.turns += 1
                            play(reply)
                    continue
                msg = json.loads(text)  # connected, start, mark, stop: a few a turn
                event = msg.get("event")
                if event == "start":
                    greeting, reply = self._script(msg["start"]["streamSid"])
                    play(greeting)
                elif event == "stop":
                    break
        finally:
            if timer[0] is not None:
                timer[0].cancel()


def stats(server: EchoServer) -> dict[str, Any]:
    return {
        "sessions": server.sessions,
        "frames_in": server.frames_in,
        "turns": server.turns,
        "loop_lag_ms_p50": pct_ms(LAG, 50),
        "loop_lag_ms_p99": pct_ms(LAG, 99),
    }


async def main(port: int, stats_path: str, eot_ms: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    server = EchoServer(eot_ms)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    gc.collect()
    gc.freeze()  # as bench_server does
    lag_task = asyncio.create_task(watch_loop_lag())
    async with serve(server.handler, "127.0.0.1", port, compression=None, max_size=64 * 1024):
        print("ready", flush=True)
        await stop.wait()
    lag_task.cancel()
    write_json(stats_path, stats(server))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", required=True)
    parser.add_argument("--eot-ms", type=int, default=500)
    ns = parser.parse_args()
    asyncio.run(main(ns.port, ns.stats, ns.eot_ms))
