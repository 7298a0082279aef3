"""Deepgram live STT against a local websocket stub, OpenAI per-utterance STT against an HTTP stub,
and STTFallback switching providers mid-session without losing the utterance."""

from __future__ import annotations

import asyncio
import io
import wave
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from adapters.fallback import BreakerBoard, BreakerState
from adapters.llm.base import ProviderError
from adapters.stt.base import STTSession, Transcript
from adapters.stt.deepgram_stt import DeepgramSTT
from adapters.stt.fallback import STTFallback
from adapters.stt.openai_stt import OpenAISTT
from tests.providers.conftest import FakeClock
from tests.providers.local import CountingSTT
from tests.providers.stub_deepgram import DeepgramScript, DeepgramStub
from tests.providers.stub_http import Recorded, StubHTTPServer, json_reply

TRANSCRIBE = "/v1/audio/transcriptions"
FRAME = b"\xff" * 160  # 20 ms of mu-law silence


@pytest_asyncio.fixture
async def deepgram() -> AsyncIterator[DeepgramStub]:
    stub = DeepgramStub()
    await stub.start()
    try:
        yield stub
    finally:
        await stub.close()


def dg(stub: DeepgramStub, **kwargs: object) -> DeepgramSTT:
    return DeepgramSTT("dg-key", url=stub.url, **kwargs)  # type: ignore[arg-type]


def openai_stt(stub: StubHTTPServer) -> OpenAISTT:
    return OpenAISTT("sk-test", timeout_s=5.0, base_url=stub.base_url + "/v1")


async def next_transcript(session: STTSession, it: AsyncIterator[Transcript] | None = None) -> Transcript:
    iterator = it or session.transcripts()
    return await asyncio.wait_for(anext(iterator), timeout=5)


async def send_frames(session: STTSession, count: int) -> None:
    for _ in range(count):
        await session.send_audio(FRAME)


def uploaded_wav(request: Recorded) -> tuple[wave._wave_params, bytes, dict[str, str]]:
    """Split the multipart upload into the WAV file and the form fields."""
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    fields: dict[str, str] = {}
    wav_bytes = b""
    for part in request.body.split(b"--" + boundary):
        if b"\r\n\r\n" not in part:
            continue
        head, value = part.split(b"\r\n\r\n", 1)
        value = value.removesuffix(b"\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        if name == "file":
            wav_bytes = value
        else:
            fields[name] = value.decode()
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        return wav.getparams(), wav.readframes(wav.getnframes()), fields


# --- Deepgram -----------------------------------------------------------------------------------


async def test_deepgram_streams_interim_then_one_final_per_flush(deepgram: DeepgramStub) -> None:
    session = await dg(deepgram).open_session()
    stream = session.transcripts()
    await send_frames(session, 10)  # 1600 bytes: the stub answers with an interim result
    interim = await next_transcript(session, stream)
    assert interim == Transcript("thursday", False, 0.93, "deepgram")
    await send_frames(session, 5)
    await session.flush()
    final = await next_transcript(session, stream)
    assert final == Transcript("Thursday around three.", True, 0.93, "deepgram")
    await session.close()
    path, query, headers = deepgram.handshakes[0]
    assert path == "/v1/listen"
    assert query["encoding"] == ["mulaw"] and query["sample_rate"] == ["8000"] and query["channels"] == ["1"]
    assert query["interim_results"] == ["true"] and query["model"] == ["nova-3"]
    assert headers["authorization"] == "Token dg-key"
    assert len(deepgram.audio) == 15 * 160
    assert [c["type"] for c in deepgram.controls] == ["Finalize", "CloseStream"]


async def test_deepgram_speech_final_ends_the_utterance_without_flush(deepgram: DeepgramStub) -> None:
    deepgram.script = DeepgramScript(interim_at=10**9, speech_final_at=800, answer_finalize=False)
    session = await dg(deepgram).open_session()
    await send_frames(session, 5)
    final = await next_transcript(session)
    # Deepgram's own endpointing made this final: turn-taking may end the turn on it (if complete)
    assert final == Transcript("Thursday around three.", True, 0.93, "deepgram", endpoint=True)
    await session.close()


async def test_deepgram_a_flushed_final_is_not_an_endpoint_and_utterance_end_is(
    deepgram: DeepgramStub,
) -> None:
    deepgram.script = DeepgramScript(interim_at=10**9, segment_at=320, utterance_end_at=1600)
    session = await dg(deepgram).open_session()
    stream = session.transcripts()
    await send_frames(session, 10)  # a segment, then UtteranceEnd: the segment is emitted, as an endpoint
    assert await next_transcript(session, stream) == Transcript(
        "Thursday around three.", True, 0.93, "deepgram", endpoint=True
    )
    deepgram.script.utterance_end_at = None
    await send_frames(session, 2)
    await session.flush()  # our VAD's end of turn: a final, but not Deepgram's endpoint
    flushed = await next_transcript(session, stream)
    assert flushed.is_final and not flushed.endpoint
    await session.close()


async def test_deepgram_utterance_end_with_nothing_pending_is_an_empty_endpoint_event(
    deepgram: DeepgramStub,
) -> None:
    deepgram.script = DeepgramScript(interim_at=10**9, utterance_end_at=320)
    session = await dg(deepgram).open_session()
    await send_frames(session, 3)
    event = await next_transcript(session)
    assert event == Transcript("", False, 0.0, "deepgram", endpoint=True)
    await session.close()


async def test_deepgram_flush_without_an_answer_emits_the_final_segments_after_a_timeout(
    deepgram: DeepgramStub,
) -> None:
    deepgram.script = DeepgramScript(
        final="Tomorrow morning.", interim_at=10**9, segment_at=320, answer_finalize=False
    )
    session = await dg(deepgram, finalize_timeout_s=0.1).open_session()
    await send_frames(session, 2)
    await asyncio.sleep(0.1)  # the is_final segment arrives: not an utterance end by itself
    await session.flush()  # the stub never answers Finalize
    assert await next_transcript(session) == Transcript("Tomorrow morning.", True, 0.93, "deepgram")
    await session.close()


async def test_deepgram_error_message_fails_the_transcript_stream(deepgram: DeepgramStub) -> None:
    deepgram.script = DeepgramScript(error_at=320)
    session = await dg(deepgram).open_session()
    await send_frames(session, 2)
    with pytest.raises(ProviderError, match="NET-0001"):
        await next_transcript(session)
    await session.close()


async def test_deepgram_rejected_handshake_is_a_provider_error(deepgram: DeepgramStub) -> None:
    deepgram.script = DeepgramScript(reject_status=401)
    with pytest.raises(ProviderError, match="connect failed"):
        await dg(deepgram).open_session()


def test_deepgram_needs_a_key() -> None:
    with pytest.raises(ValueError, match="Deepgram API key"):
        DeepgramSTT("")


# --- OpenAI per-utterance -----------------------------------------------------------------------


async def test_openai_stt_uploads_the_utterance_as_16bit_wav_at_flush(stub: StubHTTPServer) -> None:
    stub.add(
        "POST",
        TRANSCRIBE,
        json_reply(200, {"text": " Thursday at three. ", "usage": {"type": "duration", "seconds": 1}}),
    )
    session = await openai_stt(stub).open_session()
    await send_frames(session, 50)  # one second
    assert stub.requests == []  # nothing is sent before the turn ends
    await session.flush()
    assert await next_transcript(session) == Transcript("Thursday at three.", True, 1.0, "openai-stt")
    params, frames, fields = uploaded_wav(stub.requests_to(TRANSCRIBE)[0])
    assert (params.nchannels, params.sampwidth, params.framerate, params.nframes) == (1, 2, 8000, 8000)
    assert frames == b"\x00\x00" * 8000  # mu-law 0xFF is linear zero
    assert fields["model"] == "gpt-transcribe"
    await session.close()


async def test_openai_stt_skips_clicks_and_keeps_audio_when_upload_fails(stub: StubHTTPServer) -> None:
    stub.add("POST", TRANSCRIBE, json_reply(500, {"error": {"message": "x", "type": "server_error"}}))
    stub.add("POST", TRANSCRIBE, json_reply(200, {"text": "yes"}))
    session = await openai_stt(stub).open_session()
    await send_frames(session, 2)
    await session.flush()  # 40 ms: a click, not sent
    assert stub.requests == []
    await send_frames(session, 25)
    with pytest.raises(ProviderError, match="server error"):
        await session.flush()
    await session.flush()  # the same audio goes again
    assert (await next_transcript(session)).text == "yes"
    assert uploaded_wav(stub.requests_to(TRANSCRIBE)[1])[0].nframes == 25 * 160


# --- STTFallback --------------------------------------------------------------------------------


async def test_deepgram_dropping_mid_utterance_switches_to_openai_and_replays_the_audio(
    deepgram: DeepgramStub, stub: StubHTTPServer, clock: FakeClock
) -> None:
    deepgram.script = DeepgramScript(interim_at=10**9, close_at=1600)
    stub.add("POST", TRANSCRIBE, json_reply(200, {"text": "I would like Thursday."}))
    local = CountingSTT()
    stt = STTFallback([dg(deepgram), openai_stt(stub), local], 2.0, clock=clock)
    session = await stt.open_session()
    stream = session.transcripts()
    await send_frames(session, 20)  # Deepgram drops the socket after 10 frames
    for _ in range(100):
        if session.provider == "openai-stt":
            break
        await asyncio.sleep(0.01)
    assert session.provider == "openai-stt" and session.switches == 1
    await send_frames(session, 5)
    await session.flush()
    assert await next_transcript(session, stream) == Transcript(
        "I would like Thursday.", True, 1.0, "openai-stt"
    )
    assert (
        uploaded_wav(stub.requests_to(TRANSCRIBE)[0])[0].nframes == 25 * 160
    )  # nothing the caller said was lost
    assert stt.last_provider == "openai-stt"
    assert stt.breakers.get("deepgram").consecutive_failures == 1
    assert local.sessions == []
    await session.close()


async def test_failover_reaches_the_local_provider_when_every_vendor_fails(
    deepgram: DeepgramStub, stub: StubHTTPServer, clock: FakeClock
) -> None:
    deepgram.script = DeepgramScript(interim_at=10**9, error_at=160)
    stub.add("POST", TRANSCRIBE, json_reply(503, {"error": {"message": "x", "type": "server_error"}}))
    local = CountingSTT()
    session = await STTFallback([dg(deepgram), openai_stt(stub), local], 2.0, clock=clock).open_session()
    stream = session.transcripts()
    await send_frames(session, 10)
    for _ in range(100):
        if session.provider == "openai-stt":
            break
        await asyncio.sleep(0.01)
    await session.flush()  # OpenAI fails here: local gets the replayed utterance and the flush
    assert await next_transcript(session, stream) == Transcript("1600 bytes", True, 1.0, "local")
    assert session.provider == "local" and session.switches == 2
    await session.close()


async def test_breaker_skips_deepgram_after_five_failed_sessions_and_probes_after_30_s(
    deepgram: DeepgramStub, clock: FakeClock
) -> None:
    deepgram.script = DeepgramScript(reject_status=503)
    local = CountingSTT()
    stt = STTFallback([dg(deepgram), local], 2.0, breakers=BreakerBoard(clock=clock))
    for _ in range(5):
        session = await stt.open_session()
        assert session.provider == "local"
        await session.close()
    assert stt.breakers.get("deepgram").state is BreakerState.OPEN
    await (await stt.open_session()).close()
    assert len(deepgram.handshakes) == 5  # no sixth connection attempt
    clock.advance(30)
    deepgram.script = DeepgramScript()
    session = await stt.open_session()
    assert session.provider == "deepgram" and len(deepgram.handshakes) == 6
    await send_frames(session, 10)
    assert (await next_transcript(session)).provider == "deepgram"
    assert stt.breakers.get("deepgram").state is BreakerState.CLOSED
    await session.close()


async def test_no_provider_at_all_is_a_provider_error(deepgram: DeepgramStub, clock: FakeClock) -> None:
    deepgram.script = DeepgramScript(reject_status=503)
    with pytest.raises(ProviderError, match="no STT provider available"):
        await STTFallback([dg(deepgram)], 2.0, clock=clock).open_session()


class _EndpointingSTT:
    """Finalises on its own (like Deepgram's endpointing) and dies on the second utterance."""

    name = "endpointing"

    def __init__(self) -> None:
        self.utterances = 0

    async def open_session(self) -> _EndpointingSession:
        return _EndpointingSession(self)


class _EndpointingSession:
    def __init__(self, owner: _EndpointingSTT) -> None:
        self._owner = owner
        self._queue: asyncio.Queue[Transcript] = asyncio.Queue()

    async def send_audio(self, mulaw_8k: bytes) -> None:
        if mulaw_8k[:1] == b"\x02":
            raise ConnectionError("socket closed")
        self._queue.put_nowait(Transcript("first utterance", True, provider="endpointing"))

    async def flush(self) -> None:
        return None

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        return None


class _ByteCountingSTT:
    name = "counting"

    def __init__(self) -> None:
        self.received = bytearray()
        self.queue: asyncio.Queue[Transcript] = asyncio.Queue()

    async def open_session(self) -> _ByteCountingSTT:
        return self

    async def send_audio(self, mulaw_8k: bytes) -> None:
        self.received += mulaw_8k

    async def flush(self) -> None:
        self.queue.put_nowait(Transcript(f"{len(self.received)} bytes", True, provider="counting"))

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while True:
            yield await self.queue.get()

    async def close(self) -> None:
        return None


async def test_failover_never_replays_an_utterance_the_provider_already_finalised(clock: FakeClock) -> None:
    backup = _ByteCountingSTT()
    session = await STTFallback([_EndpointingSTT(), backup], 2.0, clock=clock).open_session()
    stream = session.transcripts().__aiter__()
    await session.send_audio(b"\x01" * 160)  # the provider finalises this before our flush
    assert (await asyncio.wait_for(stream.__anext__(), 2)).text == "first utterance"
    await session.flush()
    await session.send_audio(b"\x02" * 80)  # next utterance: the provider dies
    await session.flush()
    final = await asyncio.wait_for(stream.__anext__(), 2)
    assert final.text == "80 bytes"  # only the new utterance reached the backup
    assert bytes(backup.received) == b"\x02" * 80
    await session.close()
