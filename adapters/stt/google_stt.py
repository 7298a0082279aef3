"""Google Cloud Speech-to-Text v1 streaming (`SpeechAsyncClient.streaming_recognize`, gRPC), with
the `telephony` model on 8 kHz MULAW: Twilio's audio goes in untouched.

Why one gRPC stream per caller turn: v1 has no "finalize now" message; half-closing the request
stream is how a client asks for the final result, and a stream may not outlive about five minutes of
audio. So flush() half-closes the current stream (its reader collects the final segments and emits
one final Transcript when Google closes it) and the next audio opens a fresh stream on the same
HTTP/2 channel. A stream also rotates after `max_stream_s` of audio without a flush (a silent
caller). Finals Google produced on its own, mid-stream, carry `endpoint=True`. Audio and
transcripts are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, cast

from google.cloud.speech_v1 import (
    RecognitionConfig,
    SpeechAsyncClient,
    StreamingRecognitionConfig,
    StreamingRecognizeRequest,
)
from google.cloud.speech_v1.services.speech.transports import SpeechGrpcAsyncIOTransport

from adapters.google_grpc import GoogleAuth, google_error, make_client
from adapters.stt.base import ProviderError, Transcript, queued_transcripts

log = logging.getLogger(__name__)

MAX_STREAM_S = 240.0  # Google ends a stream at about 305 s of audio
MAX_REQUEST_BYTES = 8000  # 1 s per request: a long replay after failover goes as several requests


class GoogleSTT:
    """STTProvider over one shared async client; each session has its own gRPC streams."""

    def __init__(
        self,
        auth: GoogleAuth,
        model: str = "telephony",
        *,
        endpoint: str | None = None,
        language: str = "en-US",
        connect_timeout_s: float = 5.0,
        max_stream_s: float = MAX_STREAM_S,
        name: str = "google-stt",
    ) -> None:
        auth.validate("stt=google")
        self.name = name
        self.auth = auth
        self.endpoint = endpoint
        self.connect_timeout_s = connect_timeout_s
        self.max_stream_bytes = int(max_stream_s * 8000)
        self.config = StreamingRecognitionConfig(
            config=RecognitionConfig(
                encoding=RecognitionConfig.AudioEncoding.MULAW,
                sample_rate_hertz=8000,
                audio_channel_count=1,
                language_code=language,
                model=model,
                enable_automatic_punctuation=True,
            ),
            interim_results=True,
        )
        self._client: SpeechAsyncClient | None = None

    def client(self) -> SpeechAsyncClient:
        if self._client is None:
            self._client = make_client(
                SpeechAsyncClient, SpeechGrpcAsyncIOTransport, self.endpoint, self.auth
            )
        return self._client

    async def open_session(self) -> GoogleSTTSession:
        client = self.client()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                transport = cast(SpeechGrpcAsyncIOTransport, client.transport)
                await transport.grpc_channel.channel_ready()
        except Exception as exc:
            reason = (
                "connect timeout"
                if isinstance(exc, TimeoutError)
                else f"connect failed ({type(exc).__name__})"
            )
            raise ProviderError(self.name, reason) from exc
        return GoogleSTTSession(self, client)


class _Stream:
    """One streaming_recognize call: its request queue, reader task and collected final segments."""

    def __init__(self) -> None:
        self.requests: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.sent = 0
        self.half_closed = False
        self.segments: list[str] = []
        self.confidences: list[float] = []
        self.task: asyncio.Task[None] | None = None

    async def request_iter(
        self, config: StreamingRecognitionConfig
    ) -> AsyncIterator[StreamingRecognizeRequest]:
        yield StreamingRecognizeRequest(streaming_config=config)
        while (audio := await self.requests.get()) is not None:
            yield StreamingRecognizeRequest(audio_content=audio)


class GoogleSTTSession:
    """STTSession: the current stream takes audio; half-closed ones drain their finals."""

    def __init__(self, owner: GoogleSTT, client: SpeechAsyncClient) -> None:
        self._owner = owner
        self._client = client
        self._provider = owner.name
        self._out: asyncio.Queue[Transcript | ProviderError | None] = asyncio.Queue()
        self._current: _Stream | None = None
        self._streams: list[_Stream] = []
        self._failed: ProviderError | None = None
        self._closing = False

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self._raise_if_unusable()
        stream = self._current or self._open_stream()
        if stream.sent + len(mulaw_8k) > self._owner.max_stream_bytes:
            self._half_close()
            stream = self._open_stream()
        for start in range(0, len(mulaw_8k), MAX_REQUEST_BYTES):
            stream.requests.put_nowait(mulaw_8k[start : start + MAX_REQUEST_BYTES])
        stream.sent += len(mulaw_8k)

    async def flush(self) -> None:
        self._raise_if_unusable()
        self._half_close()

    async def drop_pending(self) -> None:
        """A backchannel Emma talked through: end its stream so its words stay out of the next turn."""
        await self.flush()

    def transcripts(self) -> AsyncIterator[Transcript]:
        return queued_transcripts(self._out)

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        for stream in self._streams:
            if not stream.half_closed:
                stream.half_closed = True
                stream.requests.put_nowait(None)
            if stream.task is not None:
                stream.task.cancel()
        for stream in self._streams:
            if stream.task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await stream.task
        self._out.put_nowait(None)

    # -- internals ------------------------------------------------------------------------------

    def _raise_if_unusable(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._closing:
            raise ProviderError(self._provider, "session closed")

    def _open_stream(self) -> _Stream:
        stream = _Stream()
        stream.task = asyncio.create_task(self._read(stream))
        self._current = stream
        self._streams = [s for s in self._streams if s.task is not None and not s.task.done()]
        self._streams.append(stream)
        return stream

    def _half_close(self) -> None:
        stream, self._current = self._current, None
        if stream is not None and not stream.half_closed:
            stream.half_closed = True
            stream.requests.put_nowait(None)

    async def _read(self, stream: _Stream) -> None:
        try:
            responses = await self._client.streaming_recognize(
                requests=stream.request_iter(self._owner.config),
                retry=None,
                metadata=self._owner.auth.metadata(),
            )
            async for response in responses:
                self._handle(stream, response)
            if not stream.half_closed and not self._closing:
                raise ProviderError(self._provider, "stream ended by server")
            self._emit(stream, endpoint=False)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not self._closing and self._failed is None:
                self._failed = google_error(self._provider, exc)
                self._out.put_nowait(self._failed)

    def _handle(self, stream: _Stream, response: Any) -> None:
        if response.error and response.error.code:
            raise ProviderError(self._provider, f"server error (status {response.error.code})")
        interim: list[str] = []
        for result in response.results:
            if not result.alternatives:
                continue
            best = result.alternatives[0]
            text = best.transcript.strip()
            if result.is_final:
                if text:
                    stream.segments.append(text)
                    stream.confidences.append(best.confidence)
                if not stream.half_closed:
                    self._emit(stream, endpoint=True)  # Google's own end of utterance
            elif text:
                interim.append(text)
        if interim:
            partial = " ".join([*stream.segments, *interim])
            self._out.put_nowait(Transcript(partial, False, 0.0, self._provider))

    def _emit(self, stream: _Stream, endpoint: bool) -> None:
        if not stream.segments:
            return
        text = " ".join(stream.segments)
        confidence = sum(stream.confidences) / len(stream.confidences)
        stream.segments, stream.confidences = [], []
        self._out.put_nowait(Transcript(text, True, confidence, self._provider, endpoint=endpoint))
