"""One live call: authenticate the stream, then caller audio -> VAD/STT -> agent -> TTS -> paced frames.

Turn-taking decisions (end of turn, hold, backchannel or barge-in) are media_server/turn_taking.py's;
the session carries them out: end of turn starts a reply task; a barge-in cancels the reply task
(LLM and TTS in flight) and the agent is told what the caller actually heard. Every way a stream
can go wrong ends here with one log line and a clean close, and the workflow is told the call
dropped unless the agent had already reported an outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from adapters.stt.base import STTProvider, STTSession
from adapters.tts.base import TTSProvider
from domain.call_control import CallControl
from domain.enums import CallResult
from media_server import protocol, start_guard
from media_server.agent import Agent, AgentFactory, CallContext
from media_server.control import TrackedControl
from media_server.player import Player
from media_server.session_config import EndReason, SessionConfig, SessionReport
from media_server.session_store import LiveSession, SessionStore, TurnRecord
from media_server.turn_taking import Action, TurnTaker
from media_server.vad import FRAME_MS, TurnDetector
from observability import logs, metrics, tracing

__all__ = ["CallSession", "EndReason", "SessionConfig", "SessionReport", "SessionServices", "TransportClosed"]

log = logging.getLogger(__name__)

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_ERROR = 1011


class TransportClosed(Exception):
    """The WebSocket is gone (peer closed, network died, or we closed it)."""


class Transport(Protocol):
    async def recv(self) -> str | bytes: ...

    def send_text(self, text: str) -> bool: ...

    async def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None: ...


@dataclass
class SessionServices:
    """Everything a session needs from the composition root; shared by all calls of a server."""

    stt: STTProvider
    tts: TTSProvider
    agent_factory: AgentFactory
    control_factory: Callable[[CallContext], CallControl]
    store: SessionStore


class _Refused(Exception):
    def __init__(self, reason: EndReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class CallSession:
    def __init__(self, transport: Transport, config: SessionConfig, services: SessionServices) -> None:
        self._transport = transport
        self._config = config
        self._services = services
        self._loop = asyncio.get_running_loop()
        self.report = SessionReport()
        self._turns = TurnTaker(TurnDetector(config.vad), config.turn)
        self._last_text = ""  # the caller's last turn, for a barge-in while Emma is thinking
        self._turns.watch(lambda: self._player, self._reply_active)
        self._last_rx = self._loop.time()
        self._heard: list[str] = []
        self._heard_event = asyncio.Event()
        self._stt_provider = ""
        self._reply_task: asyncio.Task[None] | None = None
        self._agent_replying = False
        self._record: TurnRecord | None = None
        self._eot_at = 0.0
        self._tasks: list[asyncio.Task[Any]] = []
        self._player: Player | None = None
        self._stt: STTSession | None = None
        self._control: TrackedControl | None = None
        self._agent: Agent | None = None
        self._live: LiveSession | None = None
        # Stream-time silence counter (frames): caller quiet, agent done and its audio played.
        self._quiet_frames = 0
        self._silence_frames = int(config.silence_reprompt_s * 1000 / FRAME_MS)
        # A turn ended before its transcript arrived (a slow STT): the transcript starts the turn.
        self._late_turn = False
        self._in_flight = False  # counted in gyde_calls_in_flight

    # --- lifecycle ------------------------------------------------------------------------------

    async def run(self) -> SessionReport:
        """Serve the stream until it ends; never raises for anything the peer did."""
        try:
            start = await self._await_start()
        except _Refused as refused:
            self._end(refused.reason, refused.detail)
            log.warning("media stream refused: %s (%s)", refused.reason.value, refused.detail)
            await self._close(CLOSE_POLICY if refused.reason is EndReason.UNAUTHORIZED else CLOSE_ERROR)
            return self.report
        try:
            with tracing.call_span(start.call_sid, self.report.workflow_id):  # signals are its children
                await self._converse(start)
        except TransportClosed:
            self._end(EndReason.DISCONNECTED, "socket closed without stop")
        except protocol.ProtocolError as exc:
            self._end(EndReason.PROTOCOL_ERROR, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug must end one call, not the server
            log.exception("media session failed (call %s)", self.report.call_sid)
            self._end(EndReason.INTERNAL_ERROR, type(exc).__name__)
        finally:
            await self._cleanup()
        return self.report

    def _end(self, reason: EndReason, detail: str = "") -> None:
        if self.report.reason is None:
            self.report.reason = reason
            self.report.detail = detail

    async def _await_start(self) -> protocol.Start:
        """Read at most a few small messages until `start`, check its token, and claim the token
        and the call (one stream each: media_server/start_guard.py)."""
        try:
            received = 0
            async with asyncio.timeout(self._config.start_timeout_s):
                while True:
                    raw = await self._transport.recv()
                    received += 1
                    start_guard.check_pre_start_size(raw)
                    event = protocol.parse(raw)
                    if isinstance(event, protocol.Start):
                        break
                    if not isinstance(event, protocol.Connected):
                        raise _Refused(EndReason.PROTOCOL_ERROR, f"{type(event).__name__} before start")
                    start_guard.check_pre_start_count(received)
        except TimeoutError as exc:
            raise _Refused(EndReason.START_TIMEOUT, "stream never started") from exc
        except TransportClosed as exc:
            raise _Refused(EndReason.DISCONNECTED, "closed before start") from exc
        except protocol.ProtocolError as exc:
            raise _Refused(EndReason.PROTOCOL_ERROR, f"{type(exc).__name__} before start") from exc
        except start_guard.StartRefused as exc:
            raise _Refused(EndReason.PROTOCOL_ERROR, exc.detail) from exc
        self.report.call_sid = event.call_sid
        try:
            claims = await start_guard.admit(event, self._config.token_secret, self._services.store)
        except start_guard.StartRefused as exc:
            reason = {
                start_guard.Refusal.STORE: EndReason.INTERNAL_ERROR,
                start_guard.Refusal.PROTOCOL: EndReason.PROTOCOL_ERROR,
            }.get(exc.kind, EndReason.UNAUTHORIZED)
            raise _Refused(reason, exc.detail) from exc
        self.report.workflow_id = claims.workflow_id
        return event

    async def _converse(self, start: protocol.Start) -> None:
        ctx = CallContext(
            workflow_id=self.report.workflow_id, call_sid=start.call_sid, stream_sid=start.stream_sid
        )
        services = self._services
        self._control = TrackedControl(services.control_factory(ctx), start.call_sid)
        agent = services.agent_factory(ctx, self._control)
        self._agent = await agent if inspect.isawaitable(agent) else agent
        self._player = Player(self._transport, start.stream_sid, on_first_frame=self._on_first_frame)
        self._live = LiveSession(
            call_sid=start.call_sid, workflow_id=ctx.workflow_id, stream_sid=start.stream_sid
        )
        await services.store.put(self._live)
        self._stt = await services.stt.open_session()
        logs.set_ids(call_sid=start.call_sid, workflow_id=ctx.workflow_id)  # JSON log lines
        log.info("media stream started (call %s)", start.call_sid)
        metrics.CALLS_IN_FLIGHT.inc()
        self._in_flight = True
        self._tasks = [
            asyncio.create_task(self._read_transcripts()),
            asyncio.create_task(self._watchdog()),
            asyncio.create_task(self._hangup_when_done()),
        ]
        self._record = TurnRecord(index=0)
        self.report.turns.append(self._record)
        self._eot_at = self._loop.time()
        self._reply_task = asyncio.create_task(self._speak(self._agent.greet(), self._record))
        await self._receive_loop()

    async def _receive_loop(self) -> None:
        recv, parse = self._transport.recv, protocol.parse
        while True:
            event = parse(await recv())
            self._last_rx = self._loop.time()
            if isinstance(event, protocol.Media):
                await self._on_media(event.payload)
            elif isinstance(event, protocol.Mark):
                assert self._player is not None
                self._player.on_mark(event.name)
            elif isinstance(event, protocol.Dtmf):
                self._on_dtmf(event.digit)
            elif isinstance(event, protocol.Stop):
                self._end(EndReason.STOPPED, "stop received")
                return
            elif isinstance(event, protocol.Start):
                raise protocol.ProtocolError("second start on one stream")

    async def _cleanup(self) -> None:
        for task in [*self._tasks, self._reply_task]:
            if task is not None and not task.done():
                task.cancel()
        for task in [*self._tasks, self._reply_task]:
            if task is not None:
                with contextlib.suppress(BaseException):
                    await task
        if self._player is not None:
            self.report.frames_out = self._player.frames_sent
            self._player.stop()
        if self._stt is not None:
            with contextlib.suppress(Exception):
                await self._stt.close()
        hangup = getattr(self._agent, "hangup", None)
        if self._control is not None and self._control.result is None and hangup is not None:
            try:  # the agent reports its best-known result (e.g. opted out, then hung up)
                await asyncio.wait_for(hangup(), timeout=10)
            except Exception:
                log.exception("agent hang-up failed (call %s)", self.report.call_sid)
        if self._control is not None:
            if self._control.result is None:
                try:
                    await self._control.end_call(CallResult.DROPPED, summary="")
                except Exception:
                    log.exception(
                        "could not tell the workflow the call dropped (call %s)", self.report.call_sid
                    )
            self.report.result = self._control.result
        if self._in_flight:
            metrics.CALLS_IN_FLIGHT.dec()
            result = self.report.result.value if self.report.result else "unknown"
            metrics.CALLS_ENDED.labels(result=result).inc()
        if self._live is not None:
            self._live.status = "ended"
            self._live.result = self.report.result.value if self.report.result else None
            self._live.turns = self.report.turns
            with contextlib.suppress(Exception):
                await self._services.store.put(self._live)
        log.info(
            "media stream ended (call %s): %s%s",
            self.report.call_sid,
            self.report.reason.value if self.report.reason else "unknown",
            f" - {self.report.detail}" if self.report.detail else "",
        )
        await self._close(CLOSE_NORMAL)

    async def _close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await self._transport.close(code)

    # --- caller side ----------------------------------------------------------------------------

    async def _on_media(self, payload: bytes) -> None:
        self.report.frames_in += 1
        action = self._turns.on_frame(payload, self._emma_talking)
        assert self._stt is not None
        await self._stt.send_audio(payload)
        if action is not Action.NONE:
            self._on_turn_action(action)
        elif self._silence_frames:
            self._count_silence()

    def _emma_talking(self) -> bool:
        return self._reply_active() or (self._player is not None and self._player.speaking)

    def _on_turn_action(self, action: Action) -> None:
        """Carry out what turn-taking decided (media_server/turn_taking.py)."""
        assert self._player is not None
        if action in (Action.SPEECH_START, Action.HOLD):
            self._quiet_frames, self._late_turn = 0, False  # this speech gets its own end of turn
            self._turns.set_context_from(self._agent, self._control)
        if action is Action.HOLD:
            self.report.holds += 1
            self._player.hold()
        elif action is Action.RESUME:
            self._player.resume(self._config.turn.resume_rewind_ms // FRAME_MS)
            if (drop := getattr(self._stt, "drop_pending", None)) is not None:
                self._tasks.append(asyncio.create_task(drop()))
        elif action is Action.BARGE_IN:
            self._barge_in()
            if not self._turns.detector.speaking:  # late words of a sound Emma went on after
                self._start_turn()
        elif action is Action.END_OF_TURN:
            self._start_turn()

    def _count_silence(self) -> None:
        """Stream time in which nobody speaks; the agent re-prompts after the configured silence.
        Busy checks run every 10 frames (200 ms), not per frame: this is the hot path."""
        self._quiet_frames += 1
        if self._quiet_frames % 10 == 0 and (self._turns.detector.speaking or self._emma_talking()):
            self._quiet_frames = 0
        elif self._quiet_frames >= self._silence_frames:
            self._quiet_frames = 0
            if (on_silence := getattr(self._agent, "on_silence", None)) is not None:
                self._start_reply(on_silence())

    def _on_dtmf(self, digit: str) -> None:
        if self._player is not None and self._player.speaking:
            self._barge_in()
        self._heard.append(digit)
        self._heard_event.set()
        self._start_turn()

    def _reply_active(self) -> bool:
        return self._reply_task is not None and not self._reply_task.done()

    def _barge_in(self) -> None:
        """A real interruption: clear (unless a hold did), cancel work, keep what was heard."""
        assert self._player is not None and self._agent is not None
        self.report.barge_ins += 1
        heard = self._player.clear()
        was_replying = self._agent_replying or bool(heard)
        if self._reply_task is not None and not self._reply_task.done():
            self._reply_task.cancel()
            if not heard and self._last_text:  # cut while thinking: the caller was not done
                self._heard.insert(0, self._last_text)
        self._agent_replying = False
        if self._record is not None:
            self._record.interrupted = True
        if was_replying:
            self._agent.on_heard(heard)

    def _start_turn(self) -> None:
        self._quiet_frames = 0
        self._late_turn = False
        if self._reply_active():
            assert self._reply_task is not None
            self._reply_task.cancel()
        self._eot_at = self._loop.time()
        self._record = TurnRecord(index=len(self.report.turns))
        self.report.turns.append(self._record)
        self._reply_task = asyncio.create_task(self._take_turn(self._record))

    def _start_reply(self, sentences: AsyncIterator[str]) -> None:
        """The agent speaks unprompted (a silence re-prompt): a turn of its own in the report."""
        self._eot_at, self._last_text = self._loop.time(), ""
        self._record = TurnRecord(index=len(self.report.turns), silence_prompt=True)
        self.report.turns.append(self._record)
        self._reply_task = asyncio.create_task(self._speak(sentences, self._record))

    async def _read_transcripts(self) -> None:
        assert self._stt is not None
        try:
            async for transcript in self._stt.transcripts():
                keep, actions = self._turns.on_transcript(transcript, self._emma_talking())
                if keep:  # final words of the caller's (not a backchannel Emma talked through)
                    self._heard.append(transcript.text)
                    self._stt_provider = transcript.provider or getattr(self._stt, "provider", "") or ""
                    self._heard_event.set()
                for action in actions:
                    self._on_turn_action(action)
                if (
                    keep
                    and self._late_turn
                    and not self._turns.detector.speaking
                    and not self._reply_active()
                ):
                    self._late_turn = False
                    self._start_turn()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(
                "speech-to-text failed for good (call %s): %s", self.report.call_sid, type(exc).__name__
            )
            self._end(EndReason.PROVIDER_FAILED, "stt")
            await self._close(CLOSE_ERROR)

    # --- agent side -----------------------------------------------------------------------------

    async def _take_turn(self, record: TurnRecord) -> None:
        assert self._stt is not None and self._agent is not None
        await self._stt.flush()
        if not self._heard and self._config.transcript_grace_s > 0:
            self._heard_event.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._config.transcript_grace_s):
                    await self._heard_event.wait()
        self._last_text = text = " ".join(self._heard).strip()
        self._heard.clear()
        if not text:
            # Noise, a cough - or words whose transcript is still on its way (a loaded STT): if
            # one arrives before the caller speaks again, it starts this turn after all.
            self._late_turn = True
            return
        record.stt_provider = self._stt_provider
        metrics.observe_turn("stt", self._loop.time() - self._eot_at)
        await self._speak(self._agent.respond(text), record)

    async def _speak(self, sentences: AsyncIterator[str], record: TurnRecord) -> None:
        """Synthesise sentence by sentence into the player; audio starts with the first sentence."""
        assert self._player is not None and self._agent is not None
        player, tts = self._player, self._services.tts
        player.begin_reply()
        self._agent_replying = True
        asked = self._loop.time()
        try:
            async for sentence in sentences:
                if not sentence.strip():
                    continue
                if asked:
                    metrics.observe_turn("llm", self._loop.time() - asked)
                    asked = 0.0
                said = self._loop.time()
                utt = player.new_utterance(sentence, getattr(sentence, "interruptible", True))
                self._turns.agent_said(sentence)
                try:
                    async for chunk in tts.synthesize(sentence):
                        if said:
                            metrics.observe_turn("tts", self._loop.time() - said)
                            said = 0.0
                        player.enqueue_audio(utt, chunk)
                except Exception as exc:
                    log.warning(
                        "text-to-speech failed, sentence skipped (call %s): %s",
                        self.report.call_sid,
                        type(exc).__name__,  # the type only: a provider message could quote the text
                    )
                    player.drop_unsent(utt)
                    record.tts_providers.append("none")
                    continue
                player.finish_utterance(utt)
                record.tts_providers.append(str(getattr(tts, "last_provider", None) or tts.name))
        finally:
            aclose = getattr(sentences, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
            record.llm_provider = str(getattr(self._agent, "last_provider", "") or "")
        if self._live is not None:
            self._live.stage = self._control.stage.value if self._control and self._control.stage else None
            self._live.turns = self.report.turns
            await self._services.store.put(self._live)

    def _on_first_frame(self) -> None:
        self._last_text = ""  # the caller hears the reply: a barge-in now is a new turn
        if self._record is not None and self._record.added_latency_ms is None:
            self._record.added_latency_ms = round((self._loop.time() - self._eot_at) * 1000.0, 2)
            metrics.observe_turn("end_to_end", self._record.added_latency_ms / 1000.0)

    # --- background -----------------------------------------------------------------------------

    async def _watchdog(self) -> None:
        """A stream that stops sending frames (network died, no close) is ended, not held forever."""
        period = max(0.05, self._config.idle_timeout_s / 4)
        while True:
            await asyncio.sleep(period)
            if self._loop.time() - self._last_rx > self._config.idle_timeout_s:
                self._end(EndReason.IDLE_TIMEOUT, "no frames")
                await self._close(CLOSE_ERROR)
                return

    async def _hangup_when_done(self) -> None:
        """After the agent reports an outcome, let its last words play, then close the stream."""
        assert self._control is not None and self._player is not None
        await self._control.ended.wait()
        for _ in range(1200):  # at most a minute of last words
            if not (self._reply_active() or self._player.speaking):
                break
            await asyncio.sleep(0.05)
        self._end(EndReason.COMPLETED, "")
        await self._close(CLOSE_NORMAL)
