"""One call through the real CallSession (VAD, turn-taking, player, protocol) in virtual time.

Why virtual time: turn-taking is judged in stream time, and the player paces Emma's audio with
`loop.call_at`; on an event loop whose clock jumps to the next timer instead of sleeping, a 15 s
call runs in the milliseconds its CPU work takes, and runs the same way every time. The phone side
plays like Twilio: one inbound frame every 20 ms, Emma's frames played one per 20 ms, a `mark`
echoed once the audio before it has played, and on `clear` the unplayed audio dropped and its
marks echoed at once.
"""

from __future__ import annotations

import asyncio
import selectors
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from media_server import protocol
from media_server.session import CallSession, SessionConfig, SessionReport, SessionServices, TransportClosed
from security.stream_token import mint

T = TypeVar("T")
SID = "MZ" + "7" * 32
CALL_SID = "CA" + "7" * 32
WORKFLOW = "outreach:bench:turns"


class _JumpingSelector(selectors.DefaultSelector):
    """Never sleeps: a wait for a timer moves the loop's clock to it instead."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._vloop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if not ready and timeout is not None and timeout > 0:
            self._vloop.now += timeout
        elif not ready and timeout is None:
            ready = super().select(0.05)  # nothing scheduled: only real I/O can wake us
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self.now


def run_virtual(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run on a virtual clock."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


class PhoneTransport:
    """The server's end of the socket; the phone's view is kept in `sent` and `clears`."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[str | None] = asyncio.Queue()
        self.frames_in = 0
        self.sent: list[tuple[int, str]] = []  # (inbound frames received, message)
        self.open = True

    async def recv(self) -> str:
        item = await self.inbound.get()
        if item is None:
            self.open = False
            raise TransportClosed("phone hung up")
        return item

    def send_text(self, text: str) -> bool:
        if not self.open:
            return False
        self.sent.append((self.frames_in, text))
        return True

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.open:
            self.open = False
            self.inbound.put_nowait(None)


@dataclass
class CallTrace:
    """What happened, in stream time (inbound frame indexes)."""

    report: SessionReport
    clears: list[int] = field(default_factory=list)  # frame at which each `clear` went out
    played: list[int] = field(default_factory=list)  # frames at which an Emma frame played
    marks_played: list[str] = field(default_factory=list)
    frames: int = 0


async def drive_call(
    config: SessionConfig,
    services: SessionServices,
    caller_frames: list[bytes],
    secret: str,
    settle: int = 6,
) -> CallTrace:
    """Run one call: the caller's audio frame by frame, every 20 ms of virtual time."""
    transport = PhoneTransport()
    session = CallSession(transport, config, services)
    task = asyncio.create_task(session.run())
    token = mint(secret, WORKFLOW, CALL_SID)
    await transport.inbound.put(protocol.connected_message())
    await transport.inbound.put(protocol.start_message(SID, CALL_SID, {"token": token}))
    playback: deque[str] = deque()  # Emma's media payloads (as messages) and mark names
    read = 0
    trace = CallTrace(report=session.report)
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    for frame in caller_frames:
        for at, text in transport.sent[read:]:
            event = protocol.parse_outbound(text)
            if isinstance(event, protocol.OutClear):
                trace.clears.append(at)
                for item in playback:
                    if not item.startswith("{"):
                        await transport.inbound.put(protocol.inbound_mark_message(SID, item))
                playback.clear()
            elif isinstance(event, protocol.OutMark):
                playback.append(event.name)
            else:
                playback.append(text)
        read = len(transport.sent)
        if playback and playback[0].startswith("{"):  # one frame of Emma plays per 20 ms
            playback.popleft()
            trace.played.append(transport.frames_in)
        while playback and not playback[0].startswith("{"):
            name = playback.popleft()
            trace.marks_played.append(name)
            await transport.inbound.put(protocol.inbound_mark_message(SID, name))
        transport.frames_in += 1
        await transport.inbound.put(protocol.inbound_media_message(SID, transport.frames_in, 0, 0, frame))
        next_at += 0.02
        await asyncio.sleep(max(0.0, next_at - loop.time()))
        for _ in range(settle):
            await asyncio.sleep(0)
    trace.frames = transport.frames_in
    await transport.inbound.put(protocol.stop_message(SID, CALL_SID))
    await task
    return trace
