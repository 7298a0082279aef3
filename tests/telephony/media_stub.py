"""A scripted stand-in for the media server: a real WebSocket server on 127.0.0.1 speaking the
server side of Twilio Media Streams, so the simulator's phone side is tested on the wire."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from adapters.local_speech import fsk_codec
from media_server import protocol


@dataclass
class StreamSession:
    ws: ServerConnection
    start: dict[str, Any] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)  # every inbound event name, in order
    marks: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    decoder: fsk_codec.FskDecoder = field(default_factory=fsk_codec.FskDecoder)
    stopped: bool = False

    @property
    def stream_sid(self) -> str:
        return str(self.start.get("streamSid", ""))

    async def open(self) -> None:
        """Read `connected` and `start`."""
        while not self.start:
            msg = json.loads(await self.ws.recv())
            self.events.append(msg["event"])
            if msg["event"] == "start":
                self.start = msg["start"]

    async def say(self, text: str, mark: str | None = None) -> float:
        """Queue Emma's words (as Twilio buffers them); returns their playing time."""
        audio = fsk_codec.encode(text)
        for i in range(0, len(audio), 160):
            await self.ws.send(protocol.media_message(self.stream_sid, protocol.b64(audio[i : i + 160])))
        if mark:
            await self.ws.send(protocol.mark_message(self.stream_sid, mark))
        return len(audio) / 8000

    async def clear(self) -> None:
        await self.ws.send(protocol.clear_message(self.stream_sid))

    async def listen(self, until: Callable[[StreamSession], bool], limit_s: float = 20.0) -> None:
        """Consume inbound events until `until(self)` holds (or the phone hangs up)."""
        async with asyncio.timeout(limit_s):
            while not until(self) and not self.stopped:
                try:
                    raw = await self.ws.recv()
                except ConnectionClosed:
                    self.stopped = True
                    return
                msg = json.loads(raw)
                event = msg["event"]
                if event != "media" or not self.events or self.events[-1] != "media":
                    self.events.append(event)
                if event == "media":
                    payload = protocol.decode_payload(msg["media"]["payload"])
                    self.heard.extend(self.decoder.feed(payload))
                elif event == "mark":
                    self.marks.append(msg["mark"]["name"])
                elif event == "stop":
                    self.stopped = True


Script = Callable[[StreamSession], Awaitable[None]]


@dataclass
class MediaStub:
    url: str
    sessions: list[StreamSession]


@asynccontextmanager
async def media_stub(script: Script) -> AsyncIterator[MediaStub]:
    sessions: list[StreamSession] = []

    async def handler(ws: ServerConnection) -> None:
        session = StreamSession(ws)
        sessions.append(session)
        await session.open()
        await script(session)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield MediaStub(f"ws://127.0.0.1:{port}/media", sessions)
