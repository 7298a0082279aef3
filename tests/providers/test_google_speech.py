"""GoogleSTT (streaming_recognize) and GoogleTTS (synthesize_speech) against a local grpc.aio
server that implements Google's services with the packages' own protobuf messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.google_grpc import GoogleAuth, endpoint_is_loopback
from adapters.stt.base import ProviderError, STTSession, Transcript
from adapters.stt.google_stt import GoogleSTT
from adapters.tts.google_tts import GoogleTTS, mulaw_from_wav
from tests.providers.stub_google import GoogleStub, SpeechScript, TTSScript, mulaw_wav

FRAME = b"\xff" * 160
AUTH = GoogleAuth(api_key="g-key")


@pytest_asyncio.fixture
async def google() -> AsyncIterator[GoogleStub]:
    stub = GoogleStub()
    await stub.start()
    try:
        yield stub
    finally:
        await stub.close()


def stt(stub: GoogleStub, auth: GoogleAuth = AUTH, **kwargs: object) -> GoogleSTT:
    return GoogleSTT(auth, endpoint=stub.endpoint, connect_timeout_s=2.0, **kwargs)  # type: ignore[arg-type]


def tts(stub: GoogleStub, timeout_s: float = 5.0) -> GoogleTTS:
    return GoogleTTS(AUTH, endpoint=stub.endpoint, timeout_s=timeout_s)


async def next_transcript(it: AsyncIterator[Transcript]) -> Transcript:
    return await asyncio.wait_for(anext(it), timeout=5)


async def send_frames(session: STTSession, count: int) -> None:
    for _ in range(count):
        await session.send_audio(FRAME)


async def collect(provider: GoogleTTS, text: str) -> bytes:
    return b"".join([chunk async for chunk in provider.synthesize(text)])


# --- Speech-to-Text -------------------------------------------------------------------------------


async def test_stt_interim_then_final_when_flush_half_closes_the_stream(google: GoogleStub) -> None:
    session = await stt(google).open_session()
    stream = session.transcripts()
    await send_frames(session, 10)
    assert await next_transcript(stream) == Transcript("thursday", False, 0.0, "google-stt")
    await session.flush()
    final = await next_transcript(stream)
    assert final.text == "Thursday around three." and final.is_final and not final.endpoint
    assert final.confidence == pytest.approx(0.92)
    await send_frames(session, 2)  # the next turn goes on a fresh stream of the same channel
    await session.flush()
    assert (await next_transcript(stream)).is_final
    await session.close()
    assert len(google.streams) == 2 and all(s.half_closed for s in google.streams)
    first = google.streams[0]
    assert first.config is not None and first.interim_results
    assert first.config.model == "telephony" and first.config.sample_rate_hertz == 8000
    assert first.config.language_code == "en-US" and first.config.enable_automatic_punctuation
    assert len(first.audio) == 1600 and len(google.streams[1].audio) == 320
    assert google.metadata[0]["x-goog-api-key"] == "g-key"


async def test_stt_google_own_final_is_an_endpoint(google: GoogleStub) -> None:
    google.speech = SpeechScript(interim_at=10**9, final_at=800)
    session = await stt(google).open_session()
    await send_frames(session, 5)
    final = await next_transcript(session.transcripts())
    assert final.is_final and final.endpoint
    await session.close()


async def test_stt_stream_rotates_before_google_s_duration_limit(google: GoogleStub) -> None:
    google.speech = SpeechScript(interim_at=10**9)
    session = await stt(google, max_stream_s=0.1).open_session()  # 800 bytes per stream
    stream = session.transcripts()
    await send_frames(session, 12)
    await session.flush()
    finals = [await next_transcript(stream) for _ in range(3)]  # each stream ends with its final
    await session.close()
    assert all(f.is_final and not f.endpoint for f in finals)
    assert [len(s.audio) for s in google.streams] == [800, 800, 320]


@pytest.mark.parametrize(
    ("code", "reason", "retryable"),
    [
        (grpc.StatusCode.UNAVAILABLE, "server error (UNAVAILABLE)", True),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "rate limited (RESOURCE_EXHAUSTED)", True),
    ],
)
async def test_stt_mid_stream_failure_fails_the_transcripts(
    google: GoogleStub, code: grpc.StatusCode, reason: str, retryable: bool
) -> None:
    google.speech = SpeechScript(interim_at=10**9, abort_at=(640, code))
    session = await stt(google).open_session()
    await send_frames(session, 4)  # the server fails the stream on the last of them
    with pytest.raises(ProviderError) as info:
        await next_transcript(session.transcripts())
    assert reason in str(info.value) and info.value.retryable is retryable
    with pytest.raises(ProviderError):
        await session.send_audio(FRAME)
    await session.close()


def service_account_file(path: Path) -> str:
    """A well-formed service-account key file (a fresh RSA key; it authorises nothing)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "gyde-test",
        "private_key_id": "0a1b2c",
        "private_key": pem,
        "client_email": "gyde@gyde-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))
    return str(path)


async def test_stt_missing_key_is_unauthenticated(google: GoogleStub, tmp_path: Path) -> None:
    # a loopback stub gets no OAuth token (plaintext channel) and no API key: the service refuses
    key_file = service_account_file(tmp_path / "sa.json")
    session = await stt(google, auth=GoogleAuth(credentials_file=key_file)).open_session()
    await send_frames(session, 1)
    with pytest.raises(ProviderError, match="rejected \\(UNAUTHENTICATED\\)"):
        await next_transcript(session.transcripts())
    await session.close()


async def test_stt_quota_refused_at_stream_start_is_a_rate_limit(google: GoogleStub) -> None:
    google.speech = SpeechScript(abort_on_open=grpc.StatusCode.RESOURCE_EXHAUSTED)
    session = await stt(google).open_session()
    await send_frames(session, 1)
    with pytest.raises(ProviderError, match="rate limited \\(RESOURCE_EXHAUSTED\\)"):
        await next_transcript(session.transcripts())
    await session.close()


async def test_stt_unreachable_endpoint_is_a_connect_timeout() -> None:
    provider = GoogleSTT(AUTH, endpoint="127.0.0.1:9", connect_timeout_s=0.3)
    with pytest.raises(ProviderError, match="connect timeout"):
        await provider.open_session()


def test_credentials_are_checked_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GYDE_GOOGLE_CREDENTIALS_FILE or GYDE_GOOGLE_API_KEY"):
        GoogleSTT(GoogleAuth())
    with pytest.raises(ValueError, match="not a readable file"):
        GoogleTTS(GoogleAuth(credentials_file=str(tmp_path / "missing.json")))
    (tmp_path / "broken.json").write_text("{}")
    with pytest.raises(ValueError, match="is not a Google credentials file"):
        GoogleTTS(GoogleAuth(credentials_file=str(tmp_path / "broken.json")))
    GoogleTTS(GoogleAuth(credentials_file=service_account_file(tmp_path / "sa.json")))  # parses
    assert endpoint_is_loopback("127.0.0.1:8443") and endpoint_is_loopback("localhost:1")
    assert not endpoint_is_loopback("speech.googleapis.com:443") and not endpoint_is_loopback(None)


# --- Text-to-Speech -------------------------------------------------------------------------------


async def test_tts_asks_for_telephony_mulaw_8k_and_strips_the_wav_header(google: GoogleStub) -> None:
    audio = await collect(tts(google), "Hi, this is Emma.")
    assert audio == TTSScript().samples
    request = google.tts_requests[0]
    assert request.input.text == "Hi, this is Emma."
    assert request.audio_config.sample_rate_hertz == 8000
    assert list(request.audio_config.effects_profile_id) == ["telephony-class-application"]
    assert request.voice.name == "en-US-Neural2-F" and request.voice.language_code == "en-US"
    assert google.metadata[0]["x-goog-api-key"] == "g-key"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "rate limited"),
        (grpc.StatusCode.INTERNAL, "server error (INTERNAL)"),
        (grpc.StatusCode.INVALID_ARGUMENT, "rejected (INVALID_ARGUMENT)"),
    ],
)
async def test_tts_errors_become_provider_errors_without_retries(
    google: GoogleStub, code: grpc.StatusCode, reason: str
) -> None:
    google.tts = TTSScript(abort=[code])
    with pytest.raises(ProviderError) as info:
        await collect(tts(google), "Hello.")
    assert reason in str(info.value)
    assert len(google.tts_requests) == 1


async def test_tts_slow_answer_is_a_timeout(google: GoogleStub) -> None:
    google.tts = TTSScript(delay_s=2.0)
    with pytest.raises(ProviderError, match="timeout"):
        await collect(tts(google, timeout_s=0.3), "Hello.")


async def test_tts_wrong_audio_format_is_refused(google: GoogleStub) -> None:
    google.tts = TTSScript(wav_rate=24000)
    with pytest.raises(ProviderError, match="unexpected audio format"):
        await collect(tts(google), "Hello.")


def test_wav_parser_handles_raw_audio_and_refuses_broken_files() -> None:
    assert mulaw_from_wav("g", b"\x01\x02") == b"\x01\x02"
    assert mulaw_from_wav("g", mulaw_wav(b"\x10" * 9)) == b"\x10" * 9
    with pytest.raises(ProviderError, match="no data chunk"):
        mulaw_from_wav("g", mulaw_wav(b"\x10" * 9)[:38])
