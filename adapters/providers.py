"""Composition of the AI providers from settings: which vendors, in which order, with what fallback.

Why one place: the media server, `gyde chat` and the worker must agree on the order (OpenAI then
Anthropic then the local policy; Deepgram then OpenAI then local STT; ElevenLabs then OpenAI then
local TTS) and share one set of breakers per process. Call each builder once, in a composition
root, and reuse the result for every call: the breakers live in it.
"""

from __future__ import annotations

import time

from adapters.fallback import BreakerBoard, Clock
from adapters.llm.anthropic_llm import AnthropicLLM
from adapters.llm.base import LLMProvider
from adapters.llm.fallback import LLMFallbackChain
from adapters.llm.openai_llm import OpenAILLM
from adapters.stt.base import STTProvider
from adapters.stt.deepgram_stt import DeepgramSTT
from adapters.stt.fallback import STTFallback
from adapters.stt.openai_stt import OpenAISTT
from adapters.tts.base import TTSProvider
from adapters.tts.elevenlabs_tts import ElevenLabsTTS
from adapters.tts.espeak_tts import EspeakTTS, espeak_available
from adapters.tts.fallback import TTSFallback
from adapters.tts.openai_tts import OpenAITTS
from settings import Settings

LLM_CHOICES = ("local", "openai", "anthropic", "chain")
STT_CHOICES = ("local", "deepgram", "openai", "chain")
TTS_CHOICES = ("local", "elevenlabs", "openai", "espeak", "chain")  # espeak: espeak-ng, then local


def make_breakers(settings: Settings, clock: Clock = time.monotonic) -> BreakerBoard:
    return BreakerBoard(settings.breaker_failure_threshold, settings.breaker_reset_seconds, clock)


def _key(settings: Settings, field: str, purpose: str) -> str:
    value: str = getattr(settings, field).get_secret_value()
    if not value:
        raise ValueError(f"GYDE_{field.upper()} is required for {purpose}")
    return value


def _llm(settings: Settings, vendor: str) -> LLMProvider:
    timeout = settings.llm_timeout_seconds
    if vendor == "openai":
        key = _key(settings, "openai_api_key", "llm=openai")
        return OpenAILLM(key, settings.openai_model, timeout, settings.openai_base_url)
    if vendor == "anthropic":
        key = _key(settings, "anthropic_api_key", "llm=anthropic")
        return AnthropicLLM(key, settings.anthropic_model, timeout, settings.anthropic_base_url)
    raise ValueError(f"unknown LLM vendor {vendor!r} in GYDE_LLM_CHAIN (use openai, anthropic)")


def build_llm(
    settings: Settings, local: LLMProvider | None = None, breakers: BreakerBoard | None = None
) -> LLMFallbackChain | None:
    """None means "use the local policy" (llm=local). Otherwise a chain of the chosen vendors,
    ending with `local` when given, so a vendor outage degrades to the local policy in-turn."""
    choice = settings.llm.strip().lower()
    if choice not in LLM_CHOICES:
        raise ValueError(f"GYDE_LLM must be one of {', '.join(LLM_CHOICES)}, got {settings.llm!r}")
    if choice == "local":
        return None
    if choice == "chain":
        vendors = [v.strip().lower() for v in settings.llm_chain.split(",") if v.strip()]
        if not vendors:
            raise ValueError("GYDE_LLM_CHAIN is empty")
    else:
        vendors = [choice]
    providers = [_llm(settings, vendor) for vendor in vendors]
    if local is not None:
        providers.append(local)
    return LLMFallbackChain(
        providers, settings.llm_timeout_seconds, breakers=breakers or make_breakers(settings)
    )


def build_stt(settings: Settings, local: STTProvider, breakers: BreakerBoard | None = None) -> STTProvider:
    """The chosen STT vendors with the local provider last; `local` alone for stt=local."""
    choice = settings.stt.strip().lower()
    if choice not in STT_CHOICES:
        raise ValueError(f"GYDE_STT must be one of {', '.join(STT_CHOICES)}, got {settings.stt!r}")
    if choice == "local":
        return local
    providers: list[STTProvider] = []
    if choice in ("deepgram", "chain"):
        key = _key(settings, "deepgram_api_key", f"stt={choice}")
        providers.append(
            DeepgramSTT(
                key,
                settings.deepgram_model,
                url=settings.deepgram_url,
                connect_timeout_s=settings.stt_timeout_seconds,
            )
        )
    if choice in ("openai", "chain"):
        key = _key(settings, "openai_api_key", f"stt={choice}")
        providers.append(
            OpenAISTT(key, settings.openai_stt_model, settings.stt_timeout_seconds, settings.openai_base_url)
        )
    providers.append(local)
    return STTFallback(providers, settings.stt_timeout_seconds, breakers=breakers or make_breakers(settings))


def build_tts(settings: Settings, local: TTSProvider, breakers: BreakerBoard | None = None) -> TTSProvider:
    """The chosen TTS vendors with the local provider last; `local` alone for tts=local.

    tts=espeak is offline speech: espeak-ng, with the local codec behind it if a run fails."""
    choice = settings.tts.strip().lower()
    if choice not in TTS_CHOICES:
        raise ValueError(f"GYDE_TTS must be one of {', '.join(TTS_CHOICES)}, got {settings.tts!r}")
    if choice == "local":
        return local
    timeout = settings.tts_timeout_seconds
    providers: list[TTSProvider] = []
    if choice == "espeak":
        # Checked here, not per sentence: a missing binary is a deployment error, not an outage.
        if not espeak_available(settings.espeak_binary):
            raise ValueError(
                f"GYDE_TTS=espeak but {settings.espeak_binary!r} (GYDE_ESPEAK_BINARY) is not an "
                "executable on PATH: install espeak-ng (apt-get install espeak-ng) or use GYDE_TTS=local"
            )
        providers.append(EspeakTTS(settings.espeak_voice, settings.espeak_speed_wpm, settings.espeak_binary))
    if choice in ("elevenlabs", "chain"):
        key = _key(settings, "elevenlabs_api_key", f"tts={choice}")
        providers.append(
            ElevenLabsTTS(
                key,
                settings.elevenlabs_voice_id,
                settings.elevenlabs_model,
                timeout,
                settings.elevenlabs_base_url,
            )
        )
    if choice in ("openai", "chain"):
        key = _key(settings, "openai_api_key", f"tts={choice}")
        providers.append(
            OpenAITTS(
                key, settings.openai_tts_model, settings.openai_tts_voice, timeout, settings.openai_base_url
            )
        )
    providers.append(local)
    return TTSFallback(providers, timeout, breakers=breakers or make_breakers(settings))
