"""Composition of the AI providers from settings: which vendors, in which order, with what fallback.

Why one place: the media server, `gyde chat`, `gyde providers check` and the worker must agree on
the order and share one set of breakers per process. The order of each kind is configuration
(GYDE_LLM_CHAIN, GYDE_STT_CHAIN, GYDE_TTS_CHAIN, used when GYDE_LLM / GYDE_STT / GYDE_TTS is
`chain`); the local provider (the rule policy, the simulator's codec) is always last. Every
provider is built (not called) here, so an unknown name, a missing key or a missing file fails at
start-up with the setting named, never on the first call. Call each builder once, in a
composition root, and reuse the result for every call: the breakers live in it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from adapters.fallback import BreakerBoard, Clock
from adapters.google_grpc import GoogleAuth
from adapters.llm.anthropic_llm import AnthropicLLM
from adapters.llm.base import LLMProvider
from adapters.llm.chat_completions_llm import ChatCompletionsLLM
from adapters.llm.fallback import LLMFallbackChain
from adapters.llm.openai_llm import OpenAILLM
from adapters.stt.assemblyai_stt import AssemblyAISTT
from adapters.stt.base import STTProvider
from adapters.stt.deepgram_stt import DeepgramSTT
from adapters.stt.fallback import STTFallback
from adapters.stt.google_stt import GoogleSTT
from adapters.stt.openai_stt import OpenAISTT
from adapters.tts.base import TTSProvider
from adapters.tts.elevenlabs_tts import ElevenLabsTTS
from adapters.tts.espeak_tts import EspeakTTS, espeak_available
from adapters.tts.fallback import TTSFallback
from adapters.tts.google_tts import GoogleTTS
from adapters.tts.openai_tts import OpenAITTS
from settings import Settings

LLM_VENDORS = ("openai", "anthropic", "llama")
STT_VENDORS = ("deepgram", "assemblyai", "google", "openai")
TTS_VENDORS = ("elevenlabs", "openai", "google")
LLM_CHOICES = ("local", *LLM_VENDORS, "chain")
STT_CHOICES = ("local", *STT_VENDORS, "chain")
TTS_CHOICES = ("local", *TTS_VENDORS, "espeak", "chain")  # espeak: espeak-ng, then local


def make_breakers(settings: Settings, clock: Clock = time.monotonic) -> BreakerBoard:
    return BreakerBoard(settings.breaker_failure_threshold, settings.breaker_reset_seconds, clock)


def _key(settings: Settings, field: str, purpose: str) -> str:
    value: str = getattr(settings, field).get_secret_value()
    if not value:
        raise ValueError(f"GYDE_{field.upper()} is required for {purpose}")
    return value


def chosen_vendors(settings: Settings, kind: str) -> list[str]:
    """The vendors GYDE_<KIND> names, in order: [] for local, the chain for `chain`. Unknown,
    repeated or missing names are a ValueError naming the setting."""
    vendors = {"llm": LLM_VENDORS, "stt": STT_VENDORS, "tts": TTS_VENDORS}[kind]
    choices = {"llm": LLM_CHOICES, "stt": STT_CHOICES, "tts": TTS_CHOICES}[kind]
    raw: str = getattr(settings, kind)
    choice = raw.strip().lower()
    if choice not in choices:
        raise ValueError(f"GYDE_{kind.upper()} must be one of {', '.join(choices)}, got {raw!r}")
    if choice in ("local", "espeak"):
        return []
    if choice != "chain":
        return [choice]
    setting = f"GYDE_{kind.upper()}_CHAIN"
    names = [v.strip().lower() for v in getattr(settings, f"{kind}_chain").split(",") if v.strip()]
    if not names:
        raise ValueError(f"{setting} is empty")
    for name in names:
        if name not in vendors:
            raise ValueError(
                f"unknown {kind.upper()} vendor {name!r} in {setting} (use {', '.join(vendors)})"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"{setting} names a vendor twice: {','.join(names)}")
    return names


def _google_auth(settings: Settings) -> GoogleAuth:
    return GoogleAuth(settings.google_credentials_file, settings.google_api_key.get_secret_value())


def _llm(settings: Settings, vendor: str) -> LLMProvider:
    timeout = settings.llm_timeout_seconds
    if vendor == "openai":
        key = _key(settings, "openai_api_key", "llm=openai")
        return OpenAILLM(key, settings.openai_model, timeout, settings.openai_base_url)
    if vendor == "anthropic":
        key = _key(settings, "anthropic_api_key", "llm=anthropic")
        return AnthropicLLM(key, settings.anthropic_model, timeout, settings.anthropic_base_url)
    if not settings.local_llm_base_url:
        raise ValueError("GYDE_LOCAL_LLM_BASE_URL is required for llm=llama (e.g. http://127.0.0.1:11434/v1)")
    return ChatCompletionsLLM(
        settings.local_llm_base_url,
        settings.local_llm_model,
        timeout,
        settings.local_llm_api_key.get_secret_value(),
    )


def _stt(settings: Settings, vendor: str) -> STTProvider:
    timeout = settings.stt_timeout_seconds
    if vendor == "deepgram":
        key = _key(settings, "deepgram_api_key", "stt=deepgram")
        return DeepgramSTT(key, settings.deepgram_model, url=settings.deepgram_url, connect_timeout_s=timeout)
    if vendor == "assemblyai":
        key = _key(settings, "assemblyai_api_key", "stt=assemblyai")
        try:
            return AssemblyAISTT(
                key, settings.assemblyai_model, url=settings.assemblyai_url, connect_timeout_s=timeout
            )
        except ValueError as exc:
            raise ValueError(
                f"GYDE_ASSEMBLYAI_MODEL={settings.assemblyai_model!r} is not a model: {exc}"
            ) from exc
    if vendor == "google":
        return GoogleSTT(
            _google_auth(settings),
            settings.google_stt_model,
            endpoint=settings.google_stt_endpoint,
            language=settings.google_language,
            connect_timeout_s=timeout,
        )
    key = _key(settings, "openai_api_key", "stt=openai")
    return OpenAISTT(key, settings.openai_stt_model, timeout, settings.openai_base_url)


def _tts(settings: Settings, vendor: str) -> TTSProvider:
    timeout = settings.tts_timeout_seconds
    if vendor == "elevenlabs":
        key = _key(settings, "elevenlabs_api_key", "tts=elevenlabs")
        return ElevenLabsTTS(
            key,
            settings.elevenlabs_voice_id,
            settings.elevenlabs_model,
            timeout,
            settings.elevenlabs_base_url,
        )
    if vendor == "google":
        return GoogleTTS(
            _google_auth(settings),
            settings.google_tts_voice,
            language=settings.google_language,
            endpoint=settings.google_tts_endpoint,
            timeout_s=timeout,
        )
    key = _key(settings, "openai_api_key", "tts=openai")
    return OpenAITTS(
        key, settings.openai_tts_model, settings.openai_tts_voice, timeout, settings.openai_base_url
    )


def build_llm(
    settings: Settings, local: LLMProvider | None = None, breakers: BreakerBoard | None = None
) -> LLMFallbackChain | None:
    """None means "use the local policy" (llm=local). Otherwise a chain of the chosen vendors,
    ending with `local` when given, so a vendor outage degrades to the local policy in-turn."""
    vendors = chosen_vendors(settings, "llm")
    if not vendors:
        return None
    providers = [_llm(settings, vendor) for vendor in vendors]
    if local is not None:
        providers.append(local)
    return LLMFallbackChain(
        providers, settings.llm_timeout_seconds, breakers=breakers or make_breakers(settings)
    )


def build_stt(settings: Settings, local: STTProvider, breakers: BreakerBoard | None = None) -> STTProvider:
    """The chosen STT vendors with the local provider last; `local` alone for stt=local."""
    vendors = chosen_vendors(settings, "stt")
    if not vendors:
        return local
    providers = [_stt(settings, vendor) for vendor in vendors]
    providers.append(local)
    return STTFallback(providers, settings.stt_timeout_seconds, breakers=breakers or make_breakers(settings))


def build_tts(settings: Settings, local: TTSProvider, breakers: BreakerBoard | None = None) -> TTSProvider:
    """The chosen TTS vendors with the local provider last; `local` alone for tts=local.

    tts=espeak is offline speech: espeak-ng, with the local codec behind it if a run fails."""
    vendors = chosen_vendors(settings, "tts")
    choice = settings.tts.strip().lower()
    if choice == "local":
        return local
    providers: list[TTSProvider] = []
    if choice == "espeak":
        # Checked here, not per sentence: a missing binary is a deployment error, not an outage.
        if not espeak_available(settings.espeak_binary):
            raise ValueError(
                f"GYDE_TTS=espeak but {settings.espeak_binary!r} (GYDE_ESPEAK_BINARY) is not an "
                "executable on PATH: install espeak-ng (apt-get install espeak-ng) or use GYDE_TTS=local"
            )
        providers.append(EspeakTTS(settings.espeak_voice, settings.espeak_speed_wpm, settings.espeak_binary))
    providers += [_tts(settings, vendor) for vendor in vendors]
    providers.append(local)
    return TTSFallback(providers, settings.tts_timeout_seconds, breakers=breakers or make_breakers(settings))


def build_vendor(settings: Settings, kind: str, vendor: str) -> LLMProvider | STTProvider | TTSProvider:
    """One vendor's provider on its own, outside any chain (for `gyde providers check`)."""
    builders: dict[str, Callable[[Settings, str], LLMProvider | STTProvider | TTSProvider]] = {
        "llm": _llm,
        "stt": _stt,
        "tts": _tts,
    }
    return builders[kind](settings, vendor)


def validate_providers(settings: Settings) -> None:
    """Build every configured provider (no network): ValueError naming the first bad setting.
    Composition roots call it before they serve, so a bad chain stops the process at start-up."""
    from adapters.local_speech.providers import LocalSTT, LocalTTS

    build_llm(settings)
    build_stt(settings, LocalSTT())
    build_tts(settings, LocalTTS())
