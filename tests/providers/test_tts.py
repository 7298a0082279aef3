"""ElevenLabs and OpenAI TTS against HTTP stubs, the NumPy mu-law/resampler, and TTSFallback."""

from __future__ import annotations

import numpy as np
import pytest

from adapters.audio import PCM24kToMulaw8k, decode, encode, mulaw_to_wav
from adapters.fallback import BreakerState
from adapters.llm.base import ProviderError
from adapters.tts.elevenlabs_tts import ElevenLabsTTS
from adapters.tts.fallback import TTSFallback
from adapters.tts.openai_tts import OpenAITTS
from tests.providers.conftest import FakeClock
from tests.providers.local import ConstantTTS
from tests.providers.stub_http import Reply, StubHTTPServer, json_reply

VOICE = "21m00Tcm4TlvDq8ikWAM"
ELEVEN = f"/v1/text-to-speech/{VOICE}/stream"
SPEECH = "/v1/audio/speech"
ULAW = bytes(range(256)) * 4  # 1024 bytes of recognisable mu-law


def eleven(stub: StubHTTPServer, timeout_s: float = 5.0) -> ElevenLabsTTS:
    return ElevenLabsTTS("xi-test", VOICE, timeout_s=timeout_s, base_url=stub.base_url)


def openai_tts(stub: StubHTTPServer) -> OpenAITTS:
    return OpenAITTS("sk-test", timeout_s=5.0, base_url=stub.base_url + "/v1")


def tone_pcm24k(freq: float = 1000.0, seconds: float = 0.5, amplitude: int = 8000) -> bytes:
    t = np.arange(int(24000 * seconds)) / 24000
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


async def collect(tts: object, text: str) -> bytes:
    return b"".join([chunk async for chunk in tts.synthesize(text)])  # type: ignore[attr-defined]


def audio_reply(body: bytes, parts: int = 4, **kwargs: object) -> Reply:
    size = -(-len(body) // parts)
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    return Reply(200, chunks, "audio/basic", **kwargs)  # type: ignore[arg-type]


# --- mu-law ---------------------------------------------------------------------------------------


def test_mulaw_matches_g711_reference_points() -> None:
    pcm = np.array([0, -1, 32767, -32768, 1000, -1000], dtype=np.int16)
    assert encode(pcm) == bytes([0xFF, 0x7F, 0x80, 0x00, 0xCE, 0x4E])
    assert decode(bytes([0xFF, 0x80, 0x00, 0xCE])).tolist() == [0, 32124, -32124, 988]


def test_mulaw_round_trip_error_is_within_the_quantisation_step() -> None:
    pcm = np.arange(-32000, 32000, 7, dtype=np.int16)
    back = decode(encode(pcm)).astype(np.int32)
    assert np.all(np.abs(back - pcm) <= np.maximum(16, np.abs(pcm.astype(np.int32)) // 16))


def test_mulaw_to_wav_is_16bit_mono_8k() -> None:
    wav = mulaw_to_wav(b"\xff" * 80)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    assert int.from_bytes(wav[24:28], "little") == 8000 and int.from_bytes(wav[34:36], "little") == 16
    assert len(wav) == 44 + 160


def test_resampler_keeps_a_1khz_tone_and_removes_a_6khz_one() -> None:
    def level(freq: float) -> tuple[float, int]:
        out = decode(PCM24kToMulaw8k().feed(tone_pcm24k(freq))).astype(np.float64)[200:]
        spectrum = np.abs(np.fft.rfft(out))
        return float(np.sqrt(np.mean(out**2))), int(np.argmax(spectrum) * 8000 / len(out))

    rms_1k, peak = level(1000)
    assert 5000 < rms_1k < 6500 and abs(peak - 1000) <= 20  # 8000 / sqrt(2) ~ 5657
    rms_6k, _ = level(6000)
    assert rms_6k < 300  # above the new Nyquist: filtered, not aliased to 2 kHz


def test_resampler_output_does_not_depend_on_chunking() -> None:
    pcm = tone_pcm24k(440)
    whole = PCM24kToMulaw8k().feed(pcm)
    converter = PCM24kToMulaw8k()
    pieces = b"".join(converter.feed(pcm[i : i + 333]) for i in range(0, len(pcm), 333))  # odd sizes
    assert pieces == whole and len(whole) == len(pcm) // 2 // 3


# --- ElevenLabs -----------------------------------------------------------------------------------


async def test_elevenlabs_streams_ulaw_8000_untouched(stub: StubHTTPServer) -> None:
    stub.add("POST", ELEVEN, audio_reply(ULAW))
    assert await collect(eleven(stub), "Hi, this is Emma.") == ULAW
    sent = stub.requests_to(ELEVEN)[0]
    assert sent.query["output_format"] == ["ulaw_8000"]
    assert sent.headers["xi-api-key"] == "xi-test"
    assert sent.json()["text"] == "Hi, this is Emma." and sent.json()["model_id"] == "eleven_flash_v2_5"


@pytest.mark.parametrize(
    ("status", "reason"), [(429, "rate limited"), (500, "server error"), (401, "rejected")]
)
async def test_elevenlabs_errors_become_provider_errors(
    stub: StubHTTPServer, status: int, reason: str
) -> None:
    stub.add("POST", ELEVEN, json_reply(status, {"detail": {"status": "error", "message": "scripted"}}))
    with pytest.raises(ProviderError, match=reason):
        await collect(eleven(stub), "Hello.")
    assert len(stub.requests_to(ELEVEN)) == 1


async def test_elevenlabs_timeout_is_a_provider_error(stub: StubHTTPServer) -> None:
    stub.add("POST", ELEVEN, audio_reply(ULAW, delay_s=3.0))
    with pytest.raises(ProviderError, match="timeout"):
        await collect(eleven(stub, timeout_s=1.0), "Hello.")


# --- OpenAI TTS -----------------------------------------------------------------------------------


async def test_openai_tts_resamples_pcm_24k_to_mulaw_8k(stub: StubHTTPServer) -> None:
    pcm = tone_pcm24k(1000, seconds=0.3)
    stub.add("POST", SPEECH, audio_reply(pcm, parts=7))
    out = await collect(openai_tts(stub), "Thursday at three.")
    assert out == PCM24kToMulaw8k().feed(pcm)
    body = stub.requests_to(SPEECH)[0].json()
    assert body == {
        "input": "Thursday at three.",
        "model": "gpt-4o-mini-tts",
        "voice": "alloy",
        "response_format": "pcm",
    }


async def test_openai_tts_server_error_is_a_provider_error(stub: StubHTTPServer) -> None:
    stub.add("POST", SPEECH, json_reply(500, {"error": {"message": "x", "type": "server_error"}}))
    with pytest.raises(ProviderError, match="server error"):
        await collect(openai_tts(stub), "Hi.")


# --- TTSFallback ----------------------------------------------------------------------------------


async def test_fallback_is_decided_per_sentence(stub: StubHTTPServer, clock: FakeClock) -> None:
    pcm = tone_pcm24k(500, seconds=0.1)
    stub.add("POST", ELEVEN, json_reply(503, {"detail": "busy"}), audio_reply(ULAW))
    stub.add("POST", SPEECH, audio_reply(pcm))
    tts = TTSFallback([eleven(stub), openai_tts(stub), ConstantTTS()], 2.0, clock=clock)
    first = await collect(tts, "First sentence.")
    assert first == PCM24kToMulaw8k().feed(pcm) and tts.last_provider == "openai-tts"
    second = await collect(tts, "Second sentence.")
    assert second == ULAW and tts.last_provider == "elevenlabs"


async def test_mid_sentence_failure_respeaks_the_sentence_and_reports_it(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    stub.add("POST", ELEVEN, audio_reply(ULAW, parts=4, cut_after=2))
    stub.add("POST", SPEECH, json_reply(500, {"error": {"message": "x", "type": "server_error"}}))
    tts = TTSFallback([eleven(stub), openai_tts(stub), ConstantTTS()], 2.0, clock=clock)
    out = await collect(tts, "Hi.")
    # 512 bytes arrived before the drop; the SDK had handed on one 320-byte chunk, then local re-spoke it all
    assert out == ULAW[:320] + ConstantTTS.BYTE * 480
    assert tts.last_provider == "local" and tts.last_switched_mid_sentence


async def test_stalled_tts_is_bounded_by_the_timeout(stub: StubHTTPServer, clock: FakeClock) -> None:
    stub.add("POST", ELEVEN, audio_reply(ULAW, stall_after=0))
    tts = TTSFallback([eleven(stub), ConstantTTS()], 0.3, clock=clock)
    assert await collect(tts, "Ok.") == ConstantTTS.BYTE * 480
    assert tts.last_provider == "local" and not tts.last_switched_mid_sentence


async def test_breaker_skips_elevenlabs_after_five_failed_sentences(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    stub.add("POST", ELEVEN, *[json_reply(500, {"detail": "x"}) for _ in range(5)])
    tts = TTSFallback([eleven(stub), ConstantTTS()], 2.0, clock=clock)
    for _ in range(6):
        await collect(tts, "Hi.")
    assert len(stub.requests_to(ELEVEN)) == 5
    assert tts.breakers.get("elevenlabs").state is BreakerState.OPEN
    clock.advance(30)
    stub.add("POST", ELEVEN, audio_reply(ULAW))
    assert await collect(tts, "Hi.") == ULAW
    assert tts.breakers.get("elevenlabs").state is BreakerState.CLOSED


async def test_all_tts_failing_is_a_provider_error(stub: StubHTTPServer, clock: FakeClock) -> None:
    stub.add("POST", ELEVEN, json_reply(500, {"detail": "x"}))
    with pytest.raises(ProviderError, match="all providers failed"):
        await collect(TTSFallback([eleven(stub)], 2.0, clock=clock), "Hi.")
