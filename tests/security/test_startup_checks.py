"""Promise: worker, api and media server refuse to start on development secrets (the key ring
derived from a constant in the source, no lookup-hash key, a short stream-token secret) unless
every endpoint they could reach or expose is on this machine (the simulator stack)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from security.keyring import generate_key_spec
from security.startup_checks import (
    InsecureStartup,
    check_startup_secrets,
    missing_secrets,
    non_loopback_endpoints,
)
from settings import PROJECT_ROOT, Settings

LOOKUP = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="  # base64 of 32 bytes
STRONG_STREAM = "s" * 32


def loopback(**overrides: Any) -> Settings:
    """The `gyde dev` / `make demo` shape: everything on 127.0.0.1, the simulator as Twilio."""
    values: dict[str, Any] = {
        "temporal_address": "127.0.0.1:7233",
        "database_url": "sqlite+aiosqlite:///var/dev.db",
        "redis_url": None,
        "public_base_url": "http://127.0.0.1:8000",
        "media_stream_url": "ws://127.0.0.1:8765/media",
        "api_host": "127.0.0.1",
        "media_host": "127.0.0.1",
        "telephony": "twilio",
        "twilio_api_base": "http://127.0.0.1:8766",
        "encryption_keys": SecretStr(""),
        "lookup_hash_key": SecretStr(""),
        "stream_token_secret": SecretStr("short"),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "public_base_url": "https://voice.gyde.example",
        "media_stream_url": "wss://media.gyde.example/media",
        "twilio_api_base": None,
        "encryption_keys": SecretStr(generate_key_spec("k1")),
        "lookup_hash_key": SecretStr(LOOKUP),
        "stream_token_secret": SecretStr(STRONG_STREAM),
    }
    values.update(overrides)
    return loopback(**values)


def test_the_simulator_stack_is_all_loopback() -> None:
    assert non_loopback_endpoints(loopback()) == []
    assert non_loopback_endpoints(loopback(database_url="postgresql+psycopg://u@localhost:5432/g")) == []
    assert (
        non_loopback_endpoints(loopback(redis_url="redis://[::1]:6379/0", temporal_address="localhost:7233"))
        == []
    )


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"temporal_address": "temporal.prod:7233"}, "GYDE_TEMPORAL_ADDRESS"),
        ({"database_url": "postgresql+psycopg://u@db.internal:5432/g"}, "GYDE_DATABASE_URL"),
        ({"redis_url": "redis://10.0.0.5:6379/0"}, "GYDE_REDIS_URL"),
        ({"public_base_url": "https://voice.gyde.example"}, "GYDE_PUBLIC_BASE_URL"),
        ({"media_stream_url": "wss://media.gyde.example/media"}, "GYDE_MEDIA_STREAM_URL"),
        ({"api_host": "0.0.0.0"}, "GYDE_API_HOST"),
        ({"media_host": "0.0.0.0"}, "GYDE_MEDIA_HOST"),
        ({"twilio_api_base": None}, "GYDE_TWILIO_API_BASE"),
        ({"twilio_api_base": "https://api.twilio.com"}, "GYDE_TWILIO_API_BASE"),
        ({"llm": "openai"}, "GYDE_OPENAI_BASE_URL"),
        ({"llm": "chain", "llm_chain": "anthropic"}, "GYDE_ANTHROPIC_BASE_URL"),
        ({"stt": "deepgram"}, "GYDE_DEEPGRAM_URL"),
        ({"tts": "elevenlabs"}, "GYDE_ELEVENLABS_BASE_URL"),
        ({"crm": "salesforce"}, "GYDE_CRM"),
        ({"scheduling": "calendly"}, "GYDE_SCHEDULING"),
        ({"email": "smtp", "smtp_host": "smtp.example.com"}, "GYDE_SMTP_HOST"),
    ],
)
def test_each_outside_endpoint_is_named(override: dict[str, Any], named: str) -> None:
    assert named in non_loopback_endpoints(loopback(**override))


def test_vendor_endpoints_pointed_at_local_stubs_stay_loopback() -> None:
    settings = loopback(
        llm="openai",
        openai_base_url="http://127.0.0.1:9999/v1",
        stt="deepgram",
        deepgram_url="ws://localhost:1",
    )
    assert non_loopback_endpoints(settings) == []


def test_loopback_stack_starts_without_any_key() -> None:
    for process in ("worker", "api", "media"):
        check_startup_secrets(loopback(), process)


@pytest.mark.parametrize("process", ["worker", "api", "media"])
def test_production_with_dev_key_ring_is_refused(process: str) -> None:
    with pytest.raises(InsecureStartup) as refused:
        check_startup_secrets(production(encryption_keys=SecretStr("")), process)
    message = str(refused.value)
    assert "GYDE_ENCRYPTION_KEYS" in message and "\n" not in message
    assert "GYDE_PUBLIC_BASE_URL" in message  # says why the loopback exception does not apply


@pytest.mark.parametrize("process", ["worker", "api", "media"])
def test_production_without_lookup_key_is_refused(process: str) -> None:
    with pytest.raises(InsecureStartup, match="GYDE_LOOKUP_HASH_KEY"):
        check_startup_secrets(production(lookup_hash_key=SecretStr("")), process)


@pytest.mark.parametrize("process", ["api", "media"])
@pytest.mark.parametrize("secret", ["", "x" * 31, "é" * 15])
def test_short_stream_token_secret_is_refused(process: str, secret: str) -> None:
    with pytest.raises(InsecureStartup, match="GYDE_STREAM_TOKEN_SECRET"):
        check_startup_secrets(production(stream_token_secret=SecretStr(secret)), process)


def test_worker_does_not_need_the_stream_token_secret() -> None:
    """The worker neither mints nor checks stream tokens."""
    check_startup_secrets(production(stream_token_secret=SecretStr("")), "worker")


def test_every_missing_secret_is_named_at_once() -> None:
    settings = production(
        encryption_keys=SecretStr(""), lookup_hash_key=SecretStr(""), stream_token_secret=SecretStr("x")
    )
    assert missing_secrets(settings, "api") == [
        "GYDE_ENCRYPTION_KEYS (unset: development key ring)",
        "GYDE_LOOKUP_HASH_KEY (unset)",
        "GYDE_STREAM_TOKEN_SECRET (1 bytes, needs at least 32)",
    ]


def test_production_with_every_secret_starts() -> None:
    for process in ("worker", "api", "media"):
        check_startup_secrets(production(), process)


def test_unknown_process_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_startup_secrets(production(), "bogus")


PRODUCTION_ENV = {
    "GYDE_PUBLIC_BASE_URL": "https://voice.gyde.example",
    "GYDE_MEDIA_STREAM_URL": "wss://media.gyde.example/media",
    "GYDE_TELEPHONY": "twilio",
    "GYDE_TWILIO_AUTH_TOKEN": "tok",
    "GYDE_STREAM_TOKEN_SECRET": STRONG_STREAM,
    "GYDE_ENCRYPTION_KEYS": "",
    "GYDE_LOOKUP_HASH_KEY": "",
    "GYDE_TEMPORAL_ADDRESS": "127.0.0.1:1",  # never reached: the check comes first
    "PATH": "/usr/bin:/bin",
}


@pytest.mark.parametrize("command", [["worker"], ["api"], ["media", "serve"]])
def test_each_process_exits_non_zero_with_one_line(command: list[str], tmp_path: Path) -> None:
    """The composition roots really call the check: one stderr line, exit 2, nothing started."""
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", *command],
        env={**PRODUCTION_ENV, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=tmp_path,  # no stray .env
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if "GYDE_ENCRYPTION_KEYS" in line]
    assert len(lines) == 1, result.stderr
    assert "refusing to start" in lines[0] and "GYDE_LOOKUP_HASH_KEY" in lines[0]


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"stt": "assemblyai"}, "GYDE_ASSEMBLYAI_URL"),
        ({"stt": "chain", "stt_chain": "deepgram,google"}, "GYDE_GOOGLE_STT_ENDPOINT"),
        ({"tts": "google"}, "GYDE_GOOGLE_TTS_ENDPOINT"),
        (
            {"tts": "google", "google_tts_endpoint": "texttospeech.googleapis.com:443"},
            "GYDE_GOOGLE_TTS_ENDPOINT",
        ),
        (
            {"llm": "chain", "llm_chain": "llama", "local_llm_base_url": "http://gpu-box:8000/v1"},
            "GYDE_LOCAL_LLM_BASE_URL",
        ),
    ],
)
def test_the_new_vendors_outside_are_named(override: dict[str, Any], named: str) -> None:
    assert named in non_loopback_endpoints(loopback(**override))


def test_the_new_vendors_on_loopback_stay_loopback() -> None:
    settings = loopback(
        llm="llama",
        local_llm_base_url="http://127.0.0.1:11434/v1",
        stt="chain",
        stt_chain="assemblyai,google",
        assemblyai_url="ws://127.0.0.1:7001",
        google_stt_endpoint="127.0.0.1:7002",
        tts="chain",
        tts_chain="google",
        google_tts_endpoint="localhost:7003",
    )
    assert non_loopback_endpoints(settings) == []
