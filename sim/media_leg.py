"""The callee's side of a `<Connect><Stream>`: a WebSocket client speaking Twilio's Media Streams
protocol to the media server. It plays the callee's words in-band (FSK, the simulator's codec)
as 20 ms mu-law frames at real-time pace, plays Emma's audio out at real-time pace (decoding it
with the same codec), echoes marks when the audio before them has played, and honours clear."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from enum import StrEnum

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from adapters.audio import SILENCE_BYTE
from adapters.local_speech import fsk_codec
from media_server import protocol
from sim.callee import Callee
from sim.personas import HANGUP

_logger = logging.getLogger("gyde.sim.media")
FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law
FRAME_SECONDS = 0.02
SILENCE_FRAME = bytes([SILENCE_BYTE]) * FRAME_BYTES


class LegEnd(StrEnum):
    SERVER_CLOSED = "server-closed"  # the media server ended the stream: TwiML continues
    CALLEE_HUNG_UP = "callee-hung-up"  # the callee hung up: the call is over
    STOPPED = "stopped"  # REST hangup or redirect ended the stream
    FAILED = "failed"  # could not connect


class MediaLeg:
    def __init__(
        self,
        url: str,
        call_sid: str,
        account_sid: str,
        parameters: dict[str, str],
        callee: Callee,
        connect_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.call_sid = call_sid
        self.account_sid = account_sid
        self.parameters = parameters
        self.callee = callee
        self.connect_timeout = connect_timeout
        self.stream_sid = "MZ" + secrets.token_hex(16)
        self._playback: deque[bytes | str] = deque()  # audio chunks and mark names, in order
        self._say = bytearray()
        self._decoder = fsk_codec.FskDecoder()
        self._stop = asyncio.Event()
        self._closed = asyncio.Event()
        self._seq = 2  # "start" was 1
        self.marks_echoed: list[str] = []
        self.clears = 0
        self.frames_sent = 0

    def stop(self) -> None:
        """The call was hung up or redirected: send `stop` and close at the next tick."""
        self._stop.set()

    async def run(self) -> LegEnd:
        try:
            async with connect(self.url, open_timeout=self.connect_timeout, max_size=2**22) as ws:
                await ws.send(protocol.connected_message())
                await ws.send(
                    protocol.start_message(self.stream_sid, self.call_sid, self.parameters, self.account_sid)
                )
                receiver = asyncio.create_task(self._receive(ws))
                try:
                    return await self._clock(ws)
                finally:
                    receiver.cancel()
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            _logger.warning("media stream connect failed call=%s: %s", self.call_sid, type(exc).__name__)
            return LegEnd.FAILED

    async def _receive(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                try:
                    event = protocol.parse_outbound(raw)
                except protocol.ProtocolError:
                    _logger.warning("media server sent a malformed message call=%s", self.call_sid)
                    continue
                if isinstance(event, protocol.OutMedia):
                    self._playback.append(event.payload)
                elif isinstance(event, protocol.OutMark):
                    self._playback.append(event.name)
                else:  # clear: drop unplayed audio; pending marks come back at once (as Twilio does)
                    self.clears += 1
                    marks = [item for item in self._playback if isinstance(item, str)]
                    self._playback.clear()
                    for name in marks:
                        await self._echo_mark(ws, name)
        except ConnectionClosed:
            pass
        finally:
            self._closed.set()

    async def _echo_mark(self, ws: ClientConnection, name: str) -> None:
        self.marks_echoed.append(name)
        await ws.send(protocol.inbound_mark_message(self.stream_sid, name))

    def _play_frame(self) -> bytes:
        """Up to 20 ms of Emma's queued audio (marks are handled by the caller)."""
        out = bytearray()
        while self._playback and len(out) < FRAME_BYTES and isinstance(self._playback[0], bytes):
            chunk = self._playback.popleft()
            assert isinstance(chunk, bytes)
            take = FRAME_BYTES - len(out)
            out += chunk[:take]
            if len(chunk) > take:
                self._playback.appendleft(chunk[take:])
        return bytes(out)

    async def _send_stop(self, ws: ClientConnection) -> None:
        try:
            await ws.send(protocol.stop_message(self.stream_sid, self.call_sid))
            await ws.close()
        except ConnectionClosed:
            pass

    async def _clock(self, ws: ClientConnection) -> LegEnd:
        loop = asyncio.get_running_loop()
        started = loop.time()
        tick = 0
        while True:
            if self._closed.is_set():
                return LegEnd.SERVER_CLOSED
            if self._stop.is_set():
                await self._send_stop(ws)
                return LegEnd.STOPPED
            while self._playback and isinstance(self._playback[0], str):
                name = self._playback.popleft()
                assert isinstance(name, str)
                await self._echo_mark(ws, name)
            heard_audio = self._play_frame()
            if heard_audio:
                texts = self._decoder.feed(heard_audio)
            elif self._decoder.in_message:
                texts = self._decoder.feed(SILENCE_FRAME)
            else:
                texts = []
            for text in texts:
                self.callee.heard(text)
            playing = bool(heard_audio) or any(isinstance(i, bytes) for i in self._playback)
            action = self.callee.step(FRAME_SECONDS, playing, speaking=bool(self._say))
            if action == HANGUP:
                await self._send_stop(ws)
                return LegEnd.CALLEE_HUNG_UP
            if action:
                self._say += fsk_codec.encode(action)
            frame = bytes(self._say[:FRAME_BYTES]).ljust(FRAME_BYTES, bytes([SILENCE_BYTE]))
            del self._say[:FRAME_BYTES]
            try:
                await ws.send(
                    protocol.inbound_media_message(
                        self.stream_sid, self._seq, tick + 1, int(tick * FRAME_SECONDS * 1000), frame
                    )
                )
            except ConnectionClosed:
                return LegEnd.SERVER_CLOSED
            self._seq += 1
            tick += 1
            self.frames_sent += 1
            delay = started + tick * FRAME_SECONDS - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
