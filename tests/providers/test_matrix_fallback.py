"""The design's full fallback order, mid-call, against the vendors' wire stubs: STT Deepgram ->
AssemblyAI -> Google and TTS ElevenLabs -> OpenAI -> Google, each next provider answering within
the same caller turn (or sentence). The LLM order (OpenAI -> Claude -> local model -> rule
policy) is in test_chat_completions_llm.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest_asyncio

from adapters.fallback import BreakerState
from adapters.google_grpc import GoogleAuth
from adapters.stt.assemblyai_stt import AssemblyAISTT
from adapters.stt.deepgram_stt import DeepgramSTT
from adapters.stt.fallback import STTFallback
from adapters.stt.google_stt import GoogleSTT
from adapters.tts.elevenlabs_tts import ElevenLabsTTS
from adapters.tts.fallback import TTSFallback
from adapters.tts.google_tts import GoogleTTS
from adapters.tts.openai_tts import OpenAITTS
from tests.providers.conftest import FakeClock
from tests.providers.local import ConstantTTS, CountingSTT
from tests.providers.stub_assemblyai import AssemblyAIScript, AssemblyAIStub
from tests.providers.stub_deepgram import DeepgramScript, DeepgramStub
from tests.providers.stub_google import GoogleStub, SpeechScript, TTSScript
from tests.providers.stub_http import StubHTTPServer, json_reply

FRAME = b"\xff" * 160
AUTH = GoogleAuth(api_key="g-key")


@pytest_asyncio.fixture
async def stubs() -> AsyncIterator[tuple[DeepgramStub, AssemblyAIStub, GoogleStub]]:
    deepgram, aai, google = DeepgramStub(), AssemblyAIStub(), GoogleStub()
    for stub in (deepgram, aai, google):
        await stub.start()
    try:
        yield deepgram, aai, google
    finally:
        for stub in (deepgram, aai, google):
            await stub.close()


async def wait_for_provider(session: object, name: str) -> None:
    for _ in range(1000):  # a generous bound on a loaded machine; usually a few ms
        if getattr(session, "provider", None) == name:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"provider is {getattr(session, 'provider', None)!r}, expected {name!r}")


async def test_stt_deepgram_then_assemblyai_then_google_within_one_caller_turn(
    stubs: tuple[DeepgramStub, AssemblyAIStub, GoogleStub], clock: FakeClock
) -> None:
    deepgram, aai, google = stubs
    deepgram.script = DeepgramScript(interim_at=10**9, close_at=1600)  # drops after 200 ms
    aai.script = AssemblyAIScript(partial_at=10**9, close_code_at=(4000, 3009))  # too many sessions
    google.speech = SpeechScript(interim_at=10**9, final="I'd like Thursday at three.")
    local = CountingSTT()
    chain = STTFallback(
        [
            DeepgramSTT("dg-key", url=deepgram.url),
            AssemblyAISTT("aai-key", url=aai.url, connect_timeout_s=2.0),
            GoogleSTT(AUTH, endpoint=google.endpoint, connect_timeout_s=2.0),
            local,
        ],
        2.0,
        clock=clock,
    )
    session = await chain.open_session()
    stream = session.transcripts()
    for _ in range(20):  # 400 ms of one utterance: Deepgram dies half-way
        await session.send_audio(FRAME)
    await wait_for_provider(session, "assemblyai")
    for _ in range(20):  # AssemblyAI got the replay and more, then refuses the session
        await session.send_audio(FRAME)
    await wait_for_provider(session, "google-stt")
    for _ in range(5):
        await session.send_audio(FRAME)
    await session.flush()  # our VAD ends the caller's turn: Google finalises it
    final = await asyncio.wait_for(anext(stream), 5)
    assert (final.text, final.is_final, final.provider) == ("I'd like Thursday at three.", True, "google-stt")
    assert session.switches == 2 and chain.last_provider == "google-stt"
    assert len(google.streams[0].audio) == 45 * 160  # nothing the caller said in this turn was lost
    assert len(aai.audio) >= 4000
    assert chain.breakers.get("deepgram").consecutive_failures == 1
    assert chain.breakers.get("assemblyai").consecutive_failures == 1
    assert local.sessions == []
    await session.close()


async def test_tts_elevenlabs_then_openai_then_google_for_the_same_sentence(
    stubs: tuple[DeepgramStub, AssemblyAIStub, GoogleStub], stub: StubHTTPServer, clock: FakeClock
) -> None:
    _, _, google = stubs
    voice = "21m00Tcm4TlvDq8ikWAM"
    stub.add("POST", f"/v1/text-to-speech/{voice}/stream", json_reply(429, {"detail": {"status": "busy"}}))
    stub.add("POST", "/v1/audio/speech", json_reply(500, {"error": {"message": "x", "type": "server_error"}}))
    google.tts = TTSScript(samples=b"\x42" * 1600)
    chain = TTSFallback(
        [
            ElevenLabsTTS("xi", voice, base_url=stub.base_url),
            OpenAITTS("sk-test", base_url=stub.base_url + "/v1"),
            GoogleTTS(AUTH, endpoint=google.endpoint),
            ConstantTTS(),
        ],
        2.0,
        clock=clock,
    )
    audio = b"".join([chunk async for chunk in chain.synthesize("Your dental plan is $31 a month.")])
    assert audio == b"\x42" * 1600 and chain.last_provider == "google-tts"
    assert google.tts_requests[0].input.text == "Your dental plan is $31 a month."
    # Google rate-limited too: the local codec still speaks the sentence
    stub.add("POST", f"/v1/text-to-speech/{voice}/stream", json_reply(503, {"detail": "x"}))
    stub.add("POST", "/v1/audio/speech", json_reply(503, {"error": {"message": "x", "type": "server_error"}}))
    google.tts = TTSScript(abort=[grpc.StatusCode.RESOURCE_EXHAUSTED])
    audio = b"".join([chunk async for chunk in chain.synthesize("Hi.")])
    assert audio == ConstantTTS.BYTE * 480 and chain.last_provider == "local"
    assert chain.breakers.get("google-tts").state is BreakerState.CLOSED  # one failure: not yet open
    assert chain.breakers.get("google-tts").consecutive_failures == 1
