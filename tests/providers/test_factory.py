"""adapters/providers.py: settings -> provider chains, with clear errors for bad settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.llm.anthropic_llm import AnthropicLLM
from adapters.llm.chat_completions_llm import ChatCompletionsLLM
from adapters.llm.fallback import LLMFallbackChain
from adapters.llm.openai_llm import OpenAILLM
from adapters.providers import build_llm, build_stt, build_tts, make_breakers, validate_providers
from adapters.stt.assemblyai_stt import AssemblyAISTT
from adapters.stt.deepgram_stt import DeepgramSTT
from adapters.stt.fallback import STTFallback
from adapters.stt.google_stt import GoogleSTT
from adapters.stt.openai_stt import OpenAISTT
from adapters.tts.elevenlabs_tts import ElevenLabsTTS
from adapters.tts.fallback import TTSFallback
from adapters.tts.google_tts import GoogleTTS
from adapters.tts.openai_tts import OpenAITTS
from settings import Settings
from tests.providers.local import ConstantTTS, CountingSTT, EchoLLM

KEYS: dict[str, Any] = {
    "openai_api_key": SecretStr("sk-test"),
    "anthropic_api_key": SecretStr("sk-ant"),
    "deepgram_api_key": SecretStr("dg"),
    "elevenlabs_api_key": SecretStr("xi"),
}


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **{**KEYS, **overrides})  # type: ignore[call-arg]


def test_local_llm_means_none() -> None:
    assert build_llm(settings(llm="local")) is None


def test_chain_orders_vendors_then_the_local_policy() -> None:
    chain = build_llm(settings(llm="chain", llm_timeout_seconds=3.5), local=EchoLLM())
    assert isinstance(chain, LLMFallbackChain)
    assert [type(p) for p in chain.providers] == [OpenAILLM, AnthropicLLM, EchoLLM]
    assert chain.timeout_s == 3.5


def test_single_vendor_is_still_wrapped_for_timeouts_and_breakers() -> None:
    chain = build_llm(settings(llm="anthropic", anthropic_model="claude-opus-5-5"))
    assert isinstance(chain, LLMFallbackChain)
    assert [p.name for p in chain.providers] == ["anthropic"]
    assert chain.providers[0].model == "claude-opus-5-5"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"llm": "gpt"}, "GYDE_LLM must be one of"),
        ({"llm": "openai", "openai_api_key": SecretStr("")}, "GYDE_OPENAI_API_KEY is required"),
        ({"llm": "chain", "llm_chain": "openai,mistral"}, "unknown LLM vendor 'mistral'"),
        ({"llm": "chain", "llm_chain": " , "}, "GYDE_LLM_CHAIN is empty"),
    ],
)
def test_bad_llm_settings_fail_clearly(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_llm(settings(**overrides))


def test_stt_choices_compose_with_the_local_provider_last() -> None:
    local = CountingSTT()
    assert build_stt(settings(stt="local"), local) is local
    chain = build_stt(settings(stt="chain"), local)
    assert isinstance(chain, STTFallback)
    assert [type(p) for p in chain.providers] == [DeepgramSTT, OpenAISTT, CountingSTT]
    only = build_stt(settings(stt="deepgram"), local)
    assert isinstance(only, STTFallback) and [p.name for p in only.providers] == ["deepgram", "local"]
    with pytest.raises(ValueError, match="GYDE_STT must be one of"):
        build_stt(settings(stt="whisper"), local)
    with pytest.raises(ValueError, match="GYDE_DEEPGRAM_API_KEY is required"):
        build_stt(settings(stt="deepgram", deepgram_api_key=SecretStr("")), local)


def test_tts_choices_compose_with_the_local_provider_last() -> None:
    local = ConstantTTS()
    assert build_tts(settings(tts="local"), local) is local
    chain = build_tts(settings(tts="chain", elevenlabs_voice_id="v1"), local)
    assert isinstance(chain, TTSFallback)
    assert [type(p) for p in chain.providers] == [ElevenLabsTTS, OpenAITTS, ConstantTTS]
    assert chain.providers[0].voice_id == "v1"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="GYDE_TTS must be one of"):
        build_tts(settings(tts="polly"), local)


def test_breakers_follow_settings() -> None:
    board = make_breakers(settings(breaker_failure_threshold=2, breaker_reset_seconds=5))
    breaker = board.get("x")
    assert (breaker.threshold, breaker.reset_after_s) == (2, 5)


# --- the full matrix: configurable chains per kind ------------------------------------------------

MATRIX_KEYS: dict[str, Any] = {
    "assemblyai_api_key": SecretStr("aai"),
    "google_api_key": SecretStr("g"),
    "local_llm_base_url": "http://127.0.0.1:11434/v1",
}


def test_the_design_order_of_every_kind_is_configuration() -> None:
    s = settings(
        **MATRIX_KEYS,
        llm="chain",
        llm_chain="openai,anthropic,llama",
        stt="chain",
        stt_chain="deepgram, AssemblyAI ,google",
        tts="chain",
        tts_chain="elevenlabs,openai,google",
        local_llm_model="qwen2.5:7b-instruct",
    )
    llm = build_llm(s, local=EchoLLM())
    assert llm is not None
    assert [type(p) for p in llm.providers] == [OpenAILLM, AnthropicLLM, ChatCompletionsLLM, EchoLLM]
    assert llm.providers[2].model == "qwen2.5:7b-instruct"  # type: ignore[attr-defined]
    stt = build_stt(s, CountingSTT())
    assert isinstance(stt, STTFallback)
    assert [type(p) for p in stt.providers] == [DeepgramSTT, AssemblyAISTT, GoogleSTT, CountingSTT]
    tts = build_tts(s, ConstantTTS())
    assert isinstance(tts, TTSFallback)
    assert [type(p) for p in tts.providers] == [ElevenLabsTTS, OpenAITTS, GoogleTTS, ConstantTTS]
    reordered = build_stt(settings(**MATRIX_KEYS, stt="chain", stt_chain="google,deepgram"), CountingSTT())
    assert [p.name for p in reordered.providers] == ["google-stt", "deepgram", "local"]  # type: ignore[attr-defined]


def test_single_new_vendors_are_wrapped_with_the_local_provider_last() -> None:
    only_llama = build_llm(settings(**MATRIX_KEYS, llm="llama"), local=EchoLLM())
    assert only_llama is not None and [p.name for p in only_llama.providers] == ["llama", "echo"]
    aai = build_stt(settings(**MATRIX_KEYS, stt="assemblyai"), CountingSTT())
    assert [p.name for p in aai.providers] == ["assemblyai", "local"]  # type: ignore[attr-defined]
    google = build_tts(settings(**MATRIX_KEYS, tts="google"), ConstantTTS())
    assert [p.name for p in google.providers] == ["google-tts", "local"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stt": "chain", "stt_chain": "deepgram,whisper"}, "unknown STT vendor 'whisper' in GYDE_STT_CHAIN"),
        ({"tts": "chain", "tts_chain": "polly"}, "unknown TTS vendor 'polly' in GYDE_TTS_CHAIN"),
        ({"tts": "chain", "tts_chain": ""}, "GYDE_TTS_CHAIN is empty"),
        ({"stt": "chain", "stt_chain": "google,google"}, "GYDE_STT_CHAIN names a vendor twice"),
        (
            {"llm": "chain", "llm_chain": "llama", "local_llm_base_url": None},
            "GYDE_LOCAL_LLM_BASE_URL is required",
        ),
        ({"stt": "assemblyai", "assemblyai_api_key": SecretStr("")}, "GYDE_ASSEMBLYAI_API_KEY is required"),
        (
            {"stt": "assemblyai", "assemblyai_model": "nova-3"},
            "GYDE_ASSEMBLYAI_MODEL='nova-3' is not a model",
        ),
        (
            {"stt": "google", "google_api_key": SecretStr("")},
            "GYDE_GOOGLE_CREDENTIALS_FILE or GYDE_GOOGLE_API_KEY",
        ),
        ({"tts": "google", "google_credentials_file": "/nonexistent/sa.json"}, "is not a readable file"),
        ({"llm": "mistral"}, "GYDE_LLM must be one of local, openai, anthropic, llama, chain"),
    ],
)
def test_unknown_or_unconfigured_providers_fail_validation_with_the_setting_named(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_providers(settings(**{**MATRIX_KEYS, **overrides}))


def test_validation_passes_for_the_offline_default_and_a_full_matrix() -> None:
    validate_providers(Settings(_env_file=None))  # type: ignore[call-arg]
    validate_providers(
        settings(**MATRIX_KEYS, llm="chain", llm_chain="openai,anthropic,llama", stt="chain", tts="chain")
    )
