"""Test doubles for the media server: an in-memory transport driven frame by frame (stream time)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from adapters.local_speech import fsk_codec
from adapters.local_speech.providers import LocalSTT, LocalTTS
from media_server import protocol
from media_server.agent import Agent, AgentFactory, CallContext, EchoAgent
from media_server.control import NullControl
from media_server.endpointing import EndpointConfig
from media_server.session import CallSession, SessionConfig, SessionServices, TransportClosed
from media_server.session_store import MemorySessionStore
from media_server.turn_taking import TurnConfig
from media_server.vad import VadConfig
from security.stream_token import mint

SECRET = "test-secret"
WORKFLOW_ID = "outreach:camp-1:client-1"
CALL_SID = "CA" + "1" * 32
STREAM_SID = "MZ" + "1" * 32
SILENCE = b"\xff" * 160


class FakeTransport:
    """Inbound messages are pushed by the test; outbound ones are recorded with the number of
    inbound frames received when they were sent (stream time)."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.sent: list[tuple[int, str]] = []
        self.frames_in = 0
        self.closed_with: int | None = None
        self.open = True

    async def recv(self) -> str | bytes:
        if not self.open:
            raise TransportClosed("closed")
        item = await self.inbound.get()
        if item is None:
            self.open = False
            raise TransportClosed("peer went away")
        if '"event":"media"' in str(item):
            self.frames_in += 1
        return item

    def send_text(self, text: str) -> bool:
        if not self.open:
            return False
        self.sent.append((self.frames_in, text))
        return True

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed_with is None:
            self.closed_with = code
        if self.open:
            self.open = False
            self.inbound.put_nowait(None)

    def events(self) -> list[tuple[int, protocol.OutboundEvent]]:
        return [(at, protocol.parse_outbound(text)) for at, text in self.sent]

    def agent_audio(self) -> bytes:
        return b"".join(ev.payload for _, ev in self.events() if isinstance(ev, protocol.OutMedia))


@dataclass
class RecordingControl(NullControl):
    """NullControl that also remembers the end result."""

    results: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()


def start_message(token: str | None = None, call_sid: str = CALL_SID, **extra: str) -> str:
    params = {"workflow_id": WORKFLOW_ID, **extra}
    if token is None:
        token = mint(SECRET, WORKFLOW_ID, call_sid)
    if token:
        params["token"] = token
    return protocol.start_message(STREAM_SID, call_sid, params)


def media(frame: bytes) -> str:
    return protocol.inbound_media_message(STREAM_SID, 0, 0, 0, frame)


def speech_frames(text: str) -> list[bytes]:
    audio = fsk_codec.encode(text)
    return [audio[i : i + 160].ljust(160, b"\xff") for i in range(0, len(audio), 160)]


def make_config(**overrides: object) -> SessionConfig:
    base: dict[str, object] = {
        "token_secret": SECRET,
        # The simulator's codec is tones, not speech: the energy engine (test_turn_taking.py runs
        # real speech through the speech engine).
        "vad": VadConfig(threshold_dbfs=-45.0, start_ms=40, eot_silence_ms=200, engine="energy"),
        "turn": TurnConfig(endpoint=EndpointConfig.fixed(200)),
        "start_timeout_s": 2.0,
        "idle_timeout_s": 5.0,
        "transcript_grace_s": 0.05,
    }
    base.update(overrides)
    return SessionConfig(**base)  # type: ignore[arg-type]


@dataclass
class Harness:
    transport: FakeTransport
    session: CallSession
    control: NullControl
    agents: list[Agent]
    task: asyncio.Task[object]

    async def send(self, message: str | bytes | None) -> None:
        await self.transport.inbound.put(message)
        await settle()

    async def frames(self, frames: list[bytes], pace: float = 0.0) -> None:
        for frame in frames:
            await self.transport.inbound.put(media(frame))
            await settle(pace)

    async def silence(self, count: int, pace: float = 0.0) -> None:
        await self.frames([SILENCE] * count, pace)

    def marks_sent(self) -> list[str]:
        return [ev.name for _, ev in self.transport.events() if isinstance(ev, protocol.OutMark)]

    async def wait_quiet(self, seconds: float = 15.0) -> None:
        """Echo marks until the agent has nothing in flight and nothing playing."""
        for _ in range(int(seconds / 0.02)):
            sent = len(self.marks_sent())
            await self.wait_marks(sent)
            player = self.session._player
            if player is not None and player.idle and not self.session._reply_active():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the agent never went quiet")

    async def wait_marks(self, count: int, seconds: float = 5.0) -> None:
        """Wait until `count` marks went out, echoing each back as Twilio does once it has played."""
        echoed = 0
        for _ in range(int(seconds / 0.01)):
            names = self.marks_sent()
            for name in names[echoed:]:
                await self.transport.inbound.put(protocol.inbound_mark_message(STREAM_SID, name))
            echoed = len(names)
            if echoed >= count:
                await settle()
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"only {echoed} of {count} marks were sent")


async def settle(pace: float = 0.0) -> None:
    """Let the session run until it waits for input again."""
    await asyncio.sleep(pace)
    for _ in range(5):
        await asyncio.sleep(0)


async def start_session(
    agent_factory: AgentFactory | None = None,
    stt: object | None = None,
    tts: object | None = None,
    config: SessionConfig | None = None,
    control: NullControl | None = None,
    store: object | None = None,
) -> Harness:
    transport = FakeTransport()
    agents: list[Agent] = []
    ctl = control or NullControl()

    def factory(ctx: CallContext, call_control: object) -> object:
        agent = agent_factory(ctx, call_control) if agent_factory else EchoAgent()  # type: ignore[arg-type]
        if inspect.isawaitable(agent):

            async def later() -> Agent:
                built: Agent = await agent
                agents.append(built)
                return built

            return later()
        agents.append(agent)
        return agent

    services = SessionServices(
        stt=stt or LocalSTT(),  # type: ignore[arg-type]
        tts=tts or LocalTTS(),  # type: ignore[arg-type]
        agent_factory=factory,  # type: ignore[arg-type]
        control_factory=lambda ctx: ctl,
        store=store or MemorySessionStore(),  # type: ignore[arg-type]
    )
    session = CallSession(transport, config or make_config(), services)
    task: asyncio.Task[object] = asyncio.create_task(session.run())  # type: ignore[arg-type]
    return Harness(transport, session, ctl, agents, task)


async def eventually(predicate: Callable[[], object], seconds: float = 5.0) -> None:
    """Poll `predicate` (sync or async) until true; fail the test after `seconds`."""
    for _ in range(int(seconds / 0.01)):
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def aiter_list(items: list[str]) -> AsyncIterator[str]:
    for item in items:
        yield item
