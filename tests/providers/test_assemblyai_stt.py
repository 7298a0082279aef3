"""AssemblyAISTT against a local websocket stub speaking the Universal-Streaming v3 protocol."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from adapters.stt.assemblyai_stt import AssemblyAISTT
from adapters.stt.base import ProviderError, STTSession, Transcript
from tests.providers.stub_assemblyai import AssemblyAIScript, AssemblyAIStub

FRAME = b"\xff" * 160  # 20 ms of mu-law silence, as Twilio sends it


@pytest_asyncio.fixture
async def aai() -> AsyncIterator[AssemblyAIStub]:
    stub = AssemblyAIStub()
    await stub.start()
    try:
        yield stub
    finally:
        await stub.close()


def make(stub: AssemblyAIStub, **kwargs: object) -> AssemblyAISTT:
    return AssemblyAISTT("aai-key", url=stub.url, connect_timeout_s=2.0, **kwargs)  # type: ignore[arg-type]


async def next_transcript(it: AsyncIterator[Transcript]) -> Transcript:
    return await asyncio.wait_for(anext(it), timeout=5)


async def send_frames(session: STTSession, count: int) -> None:
    for _ in range(count):
        await session.send_audio(FRAME)


async def test_interims_then_one_formatted_final_per_flush(aai: AssemblyAIStub) -> None:
    session = await make(aai).open_session()
    stream = session.transcripts()
    await send_frames(session, 10)  # 1600 bytes: a partial turn
    assert await next_transcript(stream) == Transcript("thursday around", False, 0.7, "assemblyai")
    await send_frames(session, 3)  # 60 ms more: held back, under the 100 ms minimum message
    await session.flush()
    final = await next_transcript(stream)
    # the formatted end_of_turn only (the unformatted copy is skipped); ForceEndpoint is our VAD's call
    assert final == Transcript("Thursday around three.", True, 0.9, "assemblyai", endpoint=False)
    await session.close()
    path, query, headers = aai.handshakes[0]
    assert path == "/v3/ws" and headers["authorization"] == "aai-key"
    assert query["encoding"] == ["pcm_mulaw"] and query["sample_rate"] == ["8000"]
    assert query["speech_model"] == ["universal-streaming-english"] and query["format_turns"] == ["True"]
    assert all(size >= 800 for size in aai.chunks)  # 20 ms frames batched to 100 ms messages
    assert len(aai.audio) == 13 * 160 + (800 - 3 * 160)  # the flushed remainder padded with silence
    assert [c["type"] for c in aai.controls] == ["ForceEndpoint", "Terminate"]


async def test_own_end_of_turn_is_an_endpoint(aai: AssemblyAIStub) -> None:
    aai.script = AssemblyAIScript(partial_at=10**9, end_of_turn_at=800)
    session = await make(aai).open_session()
    await send_frames(session, 5)
    final = await next_transcript(session.transcripts())
    assert final.is_final and final.endpoint and final.text == "Thursday around three."
    await session.close()


async def test_unformatted_turns_end_on_the_first_end_of_turn(aai: AssemblyAIStub) -> None:
    aai.script = AssemblyAIScript(partial_at=10**9)
    session = await make(aai, format_turns=False).open_session()
    stream = session.transcripts()
    await send_frames(session, 5)
    await session.flush()
    assert (await next_transcript(stream)).text == "thursday around three"
    await session.close()
    assert aai.handshakes[0][1]["format_turns"] == ["False"]


@pytest.mark.parametrize(
    ("code", "reason", "retryable"),
    [
        (3009, "rate limited (3009)", True),
        (3005, "server error (3005)", True),
        (4001, "rejected (4001)", False),
    ],
)
async def test_a_close_code_mid_stream_fails_the_transcripts(
    aai: AssemblyAIStub, code: int, reason: str, retryable: bool
) -> None:
    aai.script = AssemblyAIScript(partial_at=10**9, close_code_at=(800, code))
    session = await make(aai).open_session()
    stream = session.transcripts()
    await send_frames(session, 5)
    with pytest.raises(ProviderError) as info:
        await next_transcript(stream)
    assert reason in str(info.value) and info.value.retryable is retryable
    with pytest.raises(ProviderError):
        await session.send_audio(FRAME)  # a failed session refuses audio at once
    await session.close()


async def test_an_error_message_fails_the_transcripts(aai: AssemblyAIStub) -> None:
    aai.script = AssemblyAIScript(partial_at=10**9, error_message_at=800)
    session = await make(aai).open_session()
    await send_frames(session, 5)
    with pytest.raises(ProviderError, match="server error \\(3005\\)"):
        await next_transcript(session.transcripts())
    await session.close()


async def test_too_many_sessions_at_connect_is_a_rate_limit(aai: AssemblyAIStub) -> None:
    aai.script = AssemblyAIScript(close_on_connect=3009)
    with pytest.raises(ProviderError, match="rate limited \\(3009\\)"):
        await make(aai).open_session()


@pytest.mark.parametrize(("status", "reason"), [(401, "rejected (401)"), (429, "rate limited (429)")])
async def test_refused_handshake_is_a_provider_error(aai: AssemblyAIStub, status: int, reason: str) -> None:
    aai.script = AssemblyAIScript(reject_status=status)
    with pytest.raises(ProviderError) as info:
        await make(aai).open_session()
    assert reason in str(info.value)


def test_key_and_model_are_checked_at_construction() -> None:
    with pytest.raises(ValueError, match="AssemblyAI API key"):
        AssemblyAISTT("")
    with pytest.raises(ValueError, match="nova"):
        AssemblyAISTT("k", model="nova-3")
