"""Deepgram live streaming STT on deepgram-sdk v7 (`AsyncDeepgramClient.listen.v1.connect`).

Why listen v1 (Nova) and not v2 (Flux): Twilio gives 8 kHz mu-law and we want interim results for
barge-in; v1 takes `encoding=mulaw&sample_rate=8000&interim_results=true` directly. Deepgram sends
`Results` messages: interim ones (`is_final=false`) are forwarded as they come; final segments
are collected and one final Transcript per utterance is emitted when Deepgram ends the utterance
(`speech_final`, `UtteranceEnd`) or when our VAD calls flush() (we send `Finalize` and Deepgram
answers with `from_finalize=true`). Finals that Deepgram's own endpointing produced, and an
`UtteranceEnd` with nothing left to emit, carry `endpoint=True`: turn-taking trusts them only when
the words are complete (Deepgram's 300 ms endpointing alone cuts callers off mid-number).
Audio and transcripts are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from deepgram import AsyncDeepgramClient
from deepgram.environment import DeepgramClientEnvironment

from adapters.stt.base import ProviderError, Transcript, queued_transcripts

log = logging.getLogger(__name__)

KEEPALIVE_EVERY_S = 4.0  # Deepgram closes a socket that gets no data for about 10 s


def deepgram_environment(url: str | None) -> DeepgramClientEnvironment:
    """The SDK's environment with the websocket base replaced (a stub, a proxy, or self-hosted)."""
    prod = DeepgramClientEnvironment.PRODUCTION
    if url is None:
        return prod
    http = url.replace("wss://", "https://").replace("ws://", "http://")
    return DeepgramClientEnvironment(base=http, production=url, agent=prod.agent, agent_rest=prod.agent_rest)


class DeepgramSTT:
    """STTProvider: one websocket per call, opened by open_session()."""

    def __init__(
        self,
        api_key: str,
        model: str = "nova-3",
        *,
        url: str | None = None,
        language: str = "en-US",
        connect_timeout_s: float = 5.0,
        finalize_timeout_s: float = 1.5,
        endpointing_ms: int = 300,
        name: str = "deepgram",
    ) -> None:
        if not api_key:
            raise ValueError("a Deepgram API key is required (GYDE_DEEPGRAM_API_KEY)")
        self.name = name
        self.model = model
        self.language = language
        self.connect_timeout_s = connect_timeout_s
        self.finalize_timeout_s = finalize_timeout_s
        self.endpointing_ms = endpointing_ms
        self._client = AsyncDeepgramClient(api_key=api_key, environment=deepgram_environment(url))

    async def open_session(self) -> DeepgramSession:
        stack = contextlib.AsyncExitStack()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                socket = await stack.enter_async_context(
                    self._client.listen.v1.connect(
                        model=self.model,
                        language=self.language,
                        encoding="mulaw",
                        sample_rate=8000,
                        channels=1,
                        interim_results="true",
                        punctuate="true",
                        smart_format="true",
                        endpointing=self.endpointing_ms,
                        utterance_end_ms=1000,
                        vad_events="true",
                    )
                )
        except Exception as exc:
            await stack.aclose()
            reason = (
                "connect timeout"
                if isinstance(exc, TimeoutError)
                else f"connect failed ({type(exc).__name__})"
            )
            raise ProviderError(self.name, reason) from exc
        session = DeepgramSession(self.name, socket, stack, self.finalize_timeout_s)
        session.start()
        return session


class DeepgramSession:
    """STTSession over one Deepgram live socket."""

    def __init__(
        self, provider: str, socket: Any, stack: contextlib.AsyncExitStack, finalize_timeout_s: float
    ) -> None:
        self._provider = provider
        self._socket = socket
        self._stack = stack
        self._finalize_timeout_s = finalize_timeout_s
        self._out: asyncio.Queue[Transcript | ProviderError | None] = asyncio.Queue()
        self._segments: list[str] = []
        self._confidences: list[float] = []
        self._closing = False
        self._finalize_timer: asyncio.TimerHandle | None = None
        self._last_send = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._last_send = asyncio.get_running_loop().time()
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._keepalive())]

    async def send_audio(self, mulaw_8k: bytes) -> None:
        await self._send(self._socket.send_media, mulaw_8k)

    async def flush(self) -> None:
        await self._send(self._socket.send_finalize)
        if self._finalize_timer is None:
            loop = asyncio.get_running_loop()
            self._finalize_timer = loop.call_later(self._finalize_timeout_s, self._emit_final)

    def transcripts(self) -> AsyncIterator[Transcript]:
        return queued_transcripts(self._out)

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._cancel_timer()
        with contextlib.suppress(Exception):
            await self._socket.send_close_stream()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self._stack.aclose()
        self._out.put_nowait(None)

    # -- internals ------------------------------------------------------------------------------

    async def _send(self, method: Callable[..., Awaitable[None]], *args: Any) -> None:
        if self._closing:
            raise ProviderError(self._provider, "session closed")
        try:
            await method(*args)
        except Exception as exc:
            raise ProviderError(self._provider, f"send failed ({type(exc).__name__})") from exc
        self._last_send = asyncio.get_running_loop().time()

    async def _keepalive(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(KEEPALIVE_EVERY_S)
            if loop.time() - self._last_send >= KEEPALIVE_EVERY_S:
                with contextlib.suppress(ProviderError):
                    await self._send(self._socket.send_keep_alive)

    async def _read(self) -> None:
        try:
            async for message in self._socket:
                if isinstance(message, bytes):
                    continue
                self._handle(message)
            if not self._closing:
                self._out.put_nowait(ProviderError(self._provider, "connection closed by server"))
        except asyncio.CancelledError:
            raise
        except ProviderError as exc:
            self._out.put_nowait(exc)
        except Exception as exc:
            if not self._closing:
                self._out.put_nowait(ProviderError(self._provider, f"connection lost ({type(exc).__name__})"))

    def _handle(self, message: Any) -> None:
        kind = _field(message, "type")
        if kind == "Results":
            self._on_results(message)
        elif kind == "UtteranceEnd":
            if not self._emit_final(endpoint=True):
                self._out.put_nowait(Transcript("", False, 0.0, self._provider, endpoint=True))
        elif kind == "Error":
            code = _field(message, "code") or _field(message, "variant") or "unknown"
            raise ProviderError(self._provider, f"server error ({code})")

    def _on_results(self, message: Any) -> None:
        channel = _field(message, "channel")
        alternatives = _field(channel, "alternatives") or []
        best = alternatives[0] if alternatives else None
        text = (_field(best, "transcript") or "").strip()
        confidence = float(_field(best, "confidence") or 0.0)
        if _field(message, "is_final"):
            if text:
                self._segments.append(text)
                self._confidences.append(confidence)
            if _field(message, "speech_final"):
                self._emit_final(endpoint=True)
            elif _field(message, "from_finalize"):
                self._emit_final()
        elif text:
            partial = " ".join([*self._segments, text])
            self._out.put_nowait(Transcript(partial, False, confidence, self._provider))

    def _emit_final(self, endpoint: bool = False) -> bool:
        """One final Transcript of the collected segments; False when there were none."""
        self._cancel_timer()
        if not self._segments:
            return False
        text = " ".join(self._segments)
        confidence = sum(self._confidences) / len(self._confidences)
        self._segments, self._confidences = [], []
        self._out.put_nowait(Transcript(text, True, confidence, self._provider, endpoint=endpoint))
        return True

    async def drop_pending(self) -> None:
        """A backchannel Emma talked through: finalise it now so its words are not carried into
        the next turn (the session drops a final that is only a backchannel)."""
        await self._send(self._socket.send_finalize)

    def _cancel_timer(self) -> None:
        if self._finalize_timer is not None:
            self._finalize_timer.cancel()
            self._finalize_timer = None


def _field(obj: Any, name: str) -> Any:
    """Read a field from an SDK model or a plain dict (the SDK passes unknown shapes through)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
