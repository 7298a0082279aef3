"""AssemblyAI Universal-Streaming STT (v3 websocket) on the official SDK's asyncio client
(`assemblyai.streaming.v3.AsyncRealTimeTranscriber`).

Why these choices: `encoding=pcm_mulaw&sample_rate=8000` takes Twilio's audio untouched. The
v3 API wants 100-2000 ms of audio per message, so 20 ms frames are batched to 100 ms. Each `Turn`
message carries the turn's finalized words so far plus the words still being recognised: those
become interims; the one final per turn is the `end_of_turn` message (the formatted one, when
`format_turns` is on). flush() sends `ForceEndpoint`, so our VAD's end of turn gets its final at
once; a final AssemblyAI's own turn detection produced carries `endpoint=True`. The SDK reports
failures through its `Error` handler (a refused handshake never raises), so open_session waits for
the server's `Begin` and turns any reported error into a ProviderError. Audio and transcripts are
never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from assemblyai.streaming.v3 import (
    AsyncRealTimeTranscriber,
    Encoding,
    RealTimeError,
    RealTimeEvents,
    RealTimeParameters,
    RealTimeTranscriberOptions,
    SpeechModel,
    TurnEvent,
)

from adapters.stt.base import ProviderError, Transcript, queued_transcripts

log = logging.getLogger(__name__)

BATCH_BYTES = 800  # 100 ms of 8 kHz mu-law: the API's minimum message
MAX_MESSAGE_BYTES = 8000  # 1 s: well under the API's 2 s maximum (a replay after failover is longer)
MULAW_SILENCE = b"\xff"
RATE_LIMIT_CODES = {3009, 4029, 4102, 1013}  # too many sessions / audio too fast / over quota


def assemblyai_error(provider: str, error: RealTimeError | BaseException) -> ProviderError:
    """SDK error -> ProviderError with the numeric code only (the message may echo input)."""
    code = getattr(error, "code", None)
    if code in RATE_LIMIT_CODES or code == 429:
        return ProviderError(provider, f"rate limited ({code})")
    if code in (401, 403, 4001, 4002, 4003):
        return ProviderError(provider, f"request rejected ({code})", retryable=False)
    if code is not None:
        return ProviderError(provider, f"server error ({code})")
    return ProviderError(provider, f"connection failed ({type(error).__name__})")


class AssemblyAISTT:
    """STTProvider: one websocket per call, opened by open_session()."""

    def __init__(
        self,
        api_key: str,
        model: str = "universal-streaming-english",
        *,
        url: str | None = None,
        connect_timeout_s: float = 5.0,
        format_turns: bool = True,
        name: str = "assemblyai",
    ) -> None:
        if not api_key:
            raise ValueError("an AssemblyAI API key is required (GYDE_ASSEMBLYAI_API_KEY)")
        self.name = name
        self.model = SpeechModel(model)  # an unknown model fails at start-up, not on the first call
        self.format_turns = format_turns
        self.connect_timeout_s = connect_timeout_s
        self._options = RealTimeTranscriberOptions(
            api_key=api_key,
            api_host=url or "streaming.assemblyai.com",
            connect_timeout=connect_timeout_s,
            max_connection_retries=0,  # the fallback chain decides what follows a failure
            terminate_timeout=1.0,
        )

    async def open_session(self) -> AssemblyAISession:
        client = AsyncRealTimeTranscriber(self._options)
        session = AssemblyAISession(self.name, client, self.format_turns)
        params = RealTimeParameters.model_validate(
            {
                "sample_rate": 8000,
                "encoding": Encoding.pcm_mulaw,
                "speech_model": self.model,
                "format_turns": self.format_turns,
            }
        )
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                await client.connect(params)
                await session.wait_begun()
        except Exception as exc:
            await session.close()
            if isinstance(exc, ProviderError):
                raise
            reason = (
                "connect timeout"
                if isinstance(exc, TimeoutError)
                else f"connect failed ({type(exc).__name__})"
            )
            raise ProviderError(self.name, reason) from exc
        return session


class AssemblyAISession:
    """STTSession over one AssemblyAI v3 streaming socket."""

    def __init__(self, provider: str, client: AsyncRealTimeTranscriber, format_turns: bool) -> None:
        self._provider = provider
        self._client = client
        self._format_turns = format_turns
        self._out: asyncio.Queue[Transcript | ProviderError | None] = asyncio.Queue()
        self._begun = asyncio.Event()
        self._settled = asyncio.Event()  # Begin arrived, or the session failed first
        self._failed: ProviderError | None = None
        self._batch = bytearray()
        self._forced = False
        self._done_turns: set[int] = set()
        self._closing = False
        client.on(RealTimeEvents.Begin, self._on_begin)
        client.on(RealTimeEvents.Turn, self._on_turn)
        client.on(RealTimeEvents.Error, self._on_error)
        client.on(RealTimeEvents.Termination, self._on_termination)

    async def wait_begun(self) -> None:
        """Until the server's Begin, or the error the SDK reported instead."""
        await self._settled.wait()
        if self._failed is not None:
            raise self._failed

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self._raise_if_unusable()
        self._batch.extend(mulaw_8k)
        if len(self._batch) >= BATCH_BYTES:
            await self._send_batch()

    async def flush(self) -> None:
        self._raise_if_unusable()
        if self._batch:
            await self._send_batch()  # the remainder, padded with silence to the minimum message
        self._forced = True
        await self._call(self._client.force_endpoint())

    async def drop_pending(self) -> None:
        """A backchannel Emma talked through: end AssemblyAI's turn now, so its words are not
        carried into the next turn (the session drops a final that is only a backchannel)."""
        await self.flush()

    def transcripts(self) -> AsyncIterator[Transcript]:
        return queued_transcripts(self._out)

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        with contextlib.suppress(Exception):
            await self._client.disconnect(terminate=self._begun.is_set() and self._failed is None)
        self._out.put_nowait(None)

    # -- internals ------------------------------------------------------------------------------

    def _raise_if_unusable(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._closing:
            raise ProviderError(self._provider, "session closed")

    async def _send_batch(self) -> None:
        audio, self._batch = bytes(self._batch), bytearray()
        for start in range(0, len(audio), MAX_MESSAGE_BYTES):
            piece = audio[start : start + MAX_MESSAGE_BYTES]
            if len(piece) < BATCH_BYTES:
                piece += MULAW_SILENCE * (BATCH_BYTES - len(piece))
            await self._call(self._client.stream(piece))

    async def _call(self, operation: Any) -> None:
        try:
            await operation
        except Exception as exc:
            raise ProviderError(self._provider, f"send failed ({type(exc).__name__})") from exc

    def _on_begin(self, client: Any, event: Any) -> None:
        self._begun.set()
        self._settled.set()

    def _on_turn(self, client: Any, event: TurnEvent) -> None:
        if event.end_of_turn:
            if self._format_turns and not event.turn_is_formatted:
                return  # the formatted copy of this turn follows
            if event.turn_order in self._done_turns:
                return
            self._done_turns.add(event.turn_order)
            text = event.transcript.strip()
            forced, self._forced = self._forced, False
            if text:
                confidence = _mean([w.confidence for w in event.words]) if event.words else 1.0
                self._out.put_nowait(Transcript(text, True, confidence, self._provider, endpoint=not forced))
            return
        words = " ".join(w.text for w in event.words).strip() or event.transcript.strip()
        if words:
            confidence = _mean([w.confidence for w in event.words]) if event.words else 0.0
            self._out.put_nowait(Transcript(words, False, confidence, self._provider))

    def _on_error(self, client: Any, error: RealTimeError) -> None:
        if self._closing or self._failed is not None:
            return
        self._fail(assemblyai_error(self._provider, error))

    def _on_termination(self, client: Any, event: Any) -> None:
        if not self._closing and self._failed is None:
            self._fail(ProviderError(self._provider, "session terminated by server"))

    def _fail(self, error: ProviderError) -> None:
        self._failed = error
        self._settled.set()
        self._out.put_nowait(error)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)
