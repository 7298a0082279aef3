"""A local grpc.aio server implementing Google's `google.cloud.speech.v1.Speech/StreamingRecognize`
and `google.cloud.texttospeech.v1.TextToSpeech/SynthesizeSpeech` with the google-cloud packages'
own message classes (the real protobuf wire format over HTTP/2), scripted per test.

It misbehaves like the service: UNAUTHENTICATED without an API key, INVALID_ARGUMENT for a config
Google would refuse, RESOURCE_EXHAUSTED (quota / rate limit), UNAVAILABLE mid-stream, and a slow
answer. The packages ship no servicer classes, so the methods are registered as generic handlers
under their real service and method names."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc
from google.cloud.speech_v1 import (
    RecognitionConfig,
    SpeechRecognitionAlternative,
    StreamingRecognitionResult,
    StreamingRecognizeRequest,
    StreamingRecognizeResponse,
)
from google.cloud.texttospeech_v1 import AudioEncoding, SynthesizeSpeechRequest, SynthesizeSpeechResponse

SPEECH = "google.cloud.speech.v1.Speech"
TTS = "google.cloud.texttospeech.v1.TextToSpeech"


def mulaw_wav(samples: bytes, rate: int = 8000, fmt: int = 7) -> bytes:
    """A WAV file as Google returns MULAW: RIFF, an 18-byte fmt chunk (format 7), then data."""
    fmt_chunk = struct.pack("<HHIIHHH", fmt, 1, rate, rate, 1, 8, 0)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


@dataclass
class SpeechScript:
    interim: str = "thursday"
    final: str = "Thursday around three."
    interim_at: int = 1600
    final_at: int | None = None  # Google ends the utterance by itself after this many bytes
    abort_at: tuple[int, grpc.StatusCode] | None = None  # fail the stream after this many bytes
    abort_on_open: grpc.StatusCode | None = None


@dataclass
class TTSScript:
    samples: bytes = bytes(range(256)) * 5
    abort: list[grpc.StatusCode] = field(default_factory=list)  # one failure per call, in order
    delay_s: float = 0.0
    wav_format: int = 7
    wav_rate: int = 8000


@dataclass
class SpeechStream:
    config: RecognitionConfig | None = None
    interim_results: bool = False
    audio: bytearray = field(default_factory=bytearray)
    half_closed: bool = False


class GoogleStub:
    def __init__(self) -> None:
        self.speech = SpeechScript()
        self.tts = TTSScript()
        self.streams: list[SpeechStream] = []
        self.tts_requests: list[SynthesizeSpeechRequest] = []
        self.metadata: list[dict[str, str]] = []
        self._server: grpc.aio.Server | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        server = grpc.aio.server()
        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    SPEECH,
                    {
                        "StreamingRecognize": grpc.stream_stream_rpc_method_handler(
                            self._recognize,
                            request_deserializer=StreamingRecognizeRequest.deserialize,
                            response_serializer=StreamingRecognizeResponse.serialize,
                        )
                    },
                ),
                grpc.method_handlers_generic_handler(
                    TTS,
                    {
                        "SynthesizeSpeech": grpc.unary_unary_rpc_method_handler(
                            self._synthesize,
                            request_deserializer=SynthesizeSpeechRequest.deserialize,
                            response_serializer=SynthesizeSpeechResponse.serialize,
                        )
                    },
                ),
            )
        )
        self.port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        self._server = server

    async def close(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)

    async def _authorise(self, context: grpc.aio.ServicerContext) -> None:
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        self.metadata.append(metadata)
        if not metadata.get("x-goog-api-key"):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Request is missing required authentication")

    async def _recognize(
        self, requests: AsyncIterator[StreamingRecognizeRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[StreamingRecognizeResponse]:
        script = self.speech
        stream = SpeechStream()
        self.streams.append(stream)
        first = True
        interim_sent = final_sent = False
        async for request in requests:
            # The service refuses before it answers anything; the stub refuses once it has read
            # what the test sent, so no client write is in flight (a write racing the refusal
            # surfaces from gRPC core as INTERNAL instead of the real status).
            if not first and not stream.audio:
                await self._authorise(context)
                if script.abort_on_open is not None:
                    await context.abort(script.abort_on_open, "Quota exceeded for StreamingRecognize")
            if first:
                first = False
                config = request.streaming_config.config
                if (
                    config.encoding != RecognitionConfig.AudioEncoding.MULAW
                    or config.sample_rate_hertz != 8000
                ):
                    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad encoding")
                stream.config = config
                stream.interim_results = request.streaming_config.interim_results
                continue
            stream.audio.extend(request.audio_content)
            heard = len(stream.audio)
            if script.abort_at is not None and heard >= script.abort_at[0]:
                await context.abort(script.abort_at[1], "The service is currently unavailable.")
            if stream.interim_results and not interim_sent and heard >= script.interim_at:
                interim_sent = True
                yield _response(script.interim, is_final=False, stability=0.6)
            if script.final_at is not None and not final_sent and heard >= script.final_at:
                final_sent = True
                yield _response(script.final, is_final=True)
        stream.half_closed = True  # the client half-closed: the final result, then the end
        if stream.audio and not final_sent:
            yield _response(script.final, is_final=True)

    async def _synthesize(
        self, request: SynthesizeSpeechRequest, context: grpc.aio.ServicerContext
    ) -> SynthesizeSpeechResponse:
        await self._authorise(context)
        self.tts_requests.append(request)
        script = self.tts
        if script.abort:
            await context.abort(script.abort.pop(0), "Resource has been exhausted (e.g. check quota).")
        if request.audio_config.audio_encoding != AudioEncoding.MULAW:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported encoding")
        if script.delay_s:
            await asyncio.sleep(script.delay_s)
        wav = mulaw_wav(script.samples, script.wav_rate, script.wav_format)
        return SynthesizeSpeechResponse(audio_content=wav)


def _response(text: str, *, is_final: bool, stability: float = 0.0) -> StreamingRecognizeResponse:
    alternative = SpeechRecognitionAlternative(transcript=text, confidence=0.92 if is_final else 0.0)
    result = StreamingRecognitionResult(
        alternatives=[alternative], is_final=is_final, stability=stability, language_code="en-us"
    )
    return StreamingRecognizeResponse(results=[result])
