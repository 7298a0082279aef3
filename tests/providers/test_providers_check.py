"""`gyde providers check` over the whole matrix pointed at the wire stubs (a stub round trip per
provider), with a dead vendor whose breaker opens, and its clear errors for bad settings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from pydantic import SecretStr

from cli.main import main
from cli.providers_cmd import check, format_table
from settings import Settings, get_settings
from tests.providers.stub_assemblyai import AssemblyAIScript, AssemblyAIStub
from tests.providers.stub_deepgram import DeepgramStub
from tests.providers.stub_google import GoogleStub, TTSScript
from tests.providers.stub_http import Reply, StubHTTPServer
from tests.providers.wire import anthropic_text_events, openai_text_events, sse
from tests.providers.wire_chat import chat_sse, chat_text_chunks

VOICE = "21m00Tcm4TlvDq8ikWAM"


@pytest_asyncio.fixture
async def speech() -> AsyncIterator[tuple[DeepgramStub, AssemblyAIStub, GoogleStub]]:
    deepgram, aai, google = DeepgramStub(), AssemblyAIStub(), GoogleStub()
    for stub in (deepgram, aai, google):
        await stub.start()
    try:
        yield deepgram, aai, google
    finally:
        for stub in (deepgram, aai, google):
            await stub.close()


def matrix(http: StubHTTPServer, deepgram: DeepgramStub, aai: AssemblyAIStub, google: GoogleStub) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        llm="chain",
        llm_chain="openai,anthropic,llama",
        stt="chain",
        stt_chain="deepgram,assemblyai,google",
        tts="chain",
        tts_chain="elevenlabs,openai,google",
        openai_api_key=SecretStr("sk-test"),
        anthropic_api_key=SecretStr("sk-ant"),
        deepgram_api_key=SecretStr("dg"),
        assemblyai_api_key=SecretStr("aai"),
        elevenlabs_api_key=SecretStr("xi"),
        google_api_key=SecretStr("g"),
        openai_base_url=http.base_url + "/v1",
        anthropic_base_url=http.base_url,
        local_llm_base_url=http.base_url + "/v1",
        elevenlabs_base_url=http.base_url,
        deepgram_url=deepgram.url,
        assemblyai_url=aai.url,
        google_stt_endpoint=google.endpoint,
        google_tts_endpoint=google.endpoint,
        stt_timeout_seconds=1.0,
        breaker_failure_threshold=2,
    )


def script_http(http: StubHTTPServer, rounds: int = 1) -> None:
    for _ in range(rounds):
        http.add("POST", "/v1/responses", Reply(200, sse(openai_text_events(["OK"])), "text/event-stream"))
        http.add("POST", "/v1/messages", Reply(200, sse(anthropic_text_events(["OK"])), "text/event-stream"))
        http.add(
            "POST",
            "/v1/chat/completions",
            Reply(200, chat_sse(chat_text_chunks(["OK"])), "text/event-stream"),
        )
        http.add("POST", f"/v1/text-to-speech/{VOICE}/stream", Reply(200, [b"\x7f" * 800], "audio/basic"))
        http.add("POST", "/v1/audio/speech", Reply(200, [b"\x00\x00" * 2400], "audio/pcm"))


async def test_every_configured_provider_answers_a_stub_round_trip(
    stub: StubHTTPServer, speech: tuple[DeepgramStub, AssemblyAIStub, GoogleStub]
) -> None:
    deepgram, aai, google = speech
    script_http(stub)
    rows = await check(matrix(stub, deepgram, aai, google), rounds=1)
    table = {(r["kind"], r["provider"]): r for r in rows}
    assert list(table) == [
        ("llm", "openai"),
        ("llm", "anthropic"),
        ("llm", "llama"),
        ("stt", "deepgram"),
        ("stt", "assemblyai"),
        ("stt", "google-stt"),
        ("tts", "elevenlabs"),
        ("tts", "openai-tts"),
        ("tts", "google-tts"),
        ("tts", "local"),
        ("stt", "local"),
        ("llm", "local"),
    ]
    for key, row in table.items():
        assert row["result"] == "ok", (key, row)
        assert row["breaker"] in ("closed", "-")
        if key != ("llm", "local"):
            assert row["first_result_ms"] is not None and row["first_result_ms"] >= 0
    assert table[("stt", "deepgram")]["detail"] == "transcript"  # the stubs answer the probe's audio
    assert table[("stt", "local")]["detail"] == "transcript"  # codec TTS -> codec STT
    assert table[("stt", "google-stt")]["target"] == google.endpoint
    assert table[("tts", "google-tts")]["detail"] == "first audio"
    assert len(google.tts_requests) == 1 and len(aai.handshakes) == 1
    text = format_table(rows)
    assert text.splitlines()[0].split() == [
        "kind",
        "provider",
        "target",
        "result",
        "first",
        "result",
        "ms",
        "breaker",
        "detail",
    ]
    assert len(text.splitlines()) == 2 + len(rows)


async def test_a_dead_vendor_fails_its_row_and_opens_its_breaker(
    stub: StubHTTPServer, speech: tuple[DeepgramStub, AssemblyAIStub, GoogleStub]
) -> None:
    deepgram, aai, google = speech
    script_http(stub, rounds=3)
    aai.script = AssemblyAIScript(reject_status=429)
    google.tts = TTSScript(abort=[grpc.StatusCode.RESOURCE_EXHAUSTED] * 3)
    rows = await check(matrix(stub, deepgram, aai, google), rounds=3)
    table = {(r["kind"], r["provider"]): r for r in rows}
    assert table[("stt", "assemblyai")]["result"] == "FAILED"
    assert table[("stt", "assemblyai")]["breaker"] == "open"  # threshold 2: open after two failures
    assert table[("stt", "assemblyai")]["detail"] == "skipped: breaker open"  # the third is not sent
    assert len(aai.handshakes) == 2
    assert table[("tts", "google-tts")]["breaker"] == "open"
    assert table[("stt", "deepgram")]["result"] == "ok" and table[("stt", "deepgram")]["breaker"] == "closed"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    monkeypatch.setenv("GYDE_LLM", "local")
    monkeypatch.setenv("GYDE_STT", "local")
    monkeypatch.setenv("GYDE_TTS", "local")
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"GYDE_STT": "chain", "GYDE_STT_CHAIN": "deepgram,sphinx"},
            "unknown STT vendor 'sphinx' in GYDE_STT_CHAIN",
        ),
        (
            {"GYDE_TTS": "google"},
            "GYDE_GOOGLE_CREDENTIALS_FILE or GYDE_GOOGLE_API_KEY is required for tts=google",
        ),
        ({"GYDE_LLM": "llama"}, "GYDE_LOCAL_LLM_BASE_URL is required"),
    ],
)
def test_bad_settings_are_one_clear_line_and_exit_2(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        env.setenv(name, value)
    env.setenv("GYDE_GOOGLE_API_KEY", "")
    assert main(["providers", "check"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_offline_default_checks_the_local_providers(env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers", "check", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["kind"], r["provider"], r["result"]) for r in rows] == [
        ("tts", "local", "ok"),
        ("stt", "local", "ok"),
        ("llm", "local", "ok"),
    ]
    assert main(["providers", "check", "--rounds", "0"]) == 2


def test_chat_and_eval_reach_the_local_model_or_say_what_is_missing(env: pytest.MonkeyPatch) -> None:
    from adapters.llm.chat_completions_llm import ChatCompletionsLLM
    from cli.chat import ChatSetupError, _provider

    with pytest.raises(ChatSetupError, match="GYDE_LOCAL_LLM_BASE_URL is required"):
        _provider("llama")
    env.setenv("GYDE_LOCAL_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    env.setenv("GYDE_LOCAL_LLM_MODEL", "mistral-nemo")
    get_settings.cache_clear()
    llm = _provider("llama")
    assert isinstance(llm, ChatCompletionsLLM) and llm.model == "mistral-nemo"


def test_the_media_server_refuses_to_start_on_a_bad_chain(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("GYDE_STREAM_TOKEN_SECRET", "s" * 40)
    env.setenv("GYDE_TTS", "chain")
    env.setenv("GYDE_TTS_CHAIN", "elevenlabs,azure")
    assert main(["media", "serve", "--no-temporal"]) == 2
    err = capsys.readouterr().err
    assert "gyde media: unknown TTS vendor 'azure' in GYDE_TTS_CHAIN" in err and "Traceback" not in err
