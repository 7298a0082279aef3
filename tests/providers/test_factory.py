"""adapters/providers.py: settings -> provider chains, with clear errors for bad settings."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from adapters.llm.anthropic_llm import AnthropicLLM
from adapters.llm.fallback import LLMFallbackChain
from adapters.llm.openai_llm import OpenAILLM
from adapters.providers import build_llm, build_stt, build_tts, make_breakers
from adapters.stt.deepgram_stt import DeepgramSTT
from adapters.stt.fallback import STTFallback
from adapters.stt.openai_stt import OpenAISTT
from adapters.tts.elevenlabs_tts import ElevenLabsTTS
from adapters.tts.fallback import TTSFallback
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
