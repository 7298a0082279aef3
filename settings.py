"""All configuration, read from the environment (prefix GYDE_) or `.env`; see `.env.example`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from domain.usage import UnitPrices

PROJECT_ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GYDE_", env_file=".env", extra="ignore")

    # Temporal
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "gyde-outreach"
    dials_per_second: float = 5.0
    temporal_ui_port: int = 8233
    temporal_ui_origin: str = "http://localhost:8233"

    # Data
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'gyde.db'}"
    redis_url: str | None = None

    # Security (comma-separated "key_id:base64key" pairs; newest first is used for new data)
    encryption_keys: SecretStr = SecretStr("")
    stream_token_secret: SecretStr = SecretStr("")
    stream_token_ttl_seconds: int = 120
    # Secret for keyed phone hashes (DNC, inbound matching); must not rotate with encryption_keys.
    # Empty: derived from the oldest encryption key (security/keyring.py).
    lookup_hash_key: SecretStr = SecretStr("")
    recording_retention_days: int = Field(default=90, ge=1)

    # Public URLs (what Twilio sees; proxies in front are normal)
    public_base_url: str = "http://127.0.0.1:8000"
    media_stream_url: str = "ws://127.0.0.1:8765/media"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Request bodies over these are refused with 413 before anything reads them (api/body_limit.py)
    twilio_max_body_bytes: int = Field(default=64 * 1024, gt=0)
    api_max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    media_host: str = "127.0.0.1"
    media_port: int = 8765

    # Media server turn-taking (media_server/vad.py, endpointing.py, turn_taking.py); times are
    # stream time (20 ms frames). Engine: speech (noise floor + webrtcvad + Silero), energy (fixed
    # threshold, for the simulator's codec), auto (energy when stt=local, else speech).
    media_vad_engine: Literal["auto", "speech", "energy"] = "auto"
    media_vad_threshold_dbfs: float = -45.0  # energy engine only
    media_vad_start_ms: int = Field(default=40, ge=20)
    media_vad_webrtc_mode: int = Field(default=2, ge=0, le=3)
    media_vad_snr_db: float = Field(default=2.0, ge=0)
    media_vad_silero_threshold: float = Field(default=0.5, gt=0, lt=1)
    # End-of-turn silence by what the words so far say; no_text is media_eot_silence_ms.
    media_eot_silence_ms: int = Field(default=700, ge=40)
    media_eot_complete_ms: int = Field(default=560, ge=20)
    media_eot_yes_no_ms: int = Field(default=400, ge=20)
    media_eot_incomplete_ms: int = Field(default=1600, ge=20)
    media_eot_filler_ms: int = Field(default=2000, ge=20)
    media_eot_max_ms: int = Field(default=3000, ge=20)
    media_eot_stage_patience: str = "verify=1.5,schedule=1.25"  # stage=factor on uncertain waits
    media_barge_in_commit_ms: int = Field(default=800, ge=20)
    media_backchannel_resume_ms: int = Field(default=240, ge=20)
    media_resume_rewind_ms: int = Field(default=300, ge=0)
    media_transcript_grace_ms: int = Field(default=400, ge=0)
    media_start_timeout_seconds: float = Field(default=10.0, gt=0)
    media_idle_timeout_seconds: float = Field(default=15.0, gt=0)
    media_silence_reprompt_seconds: float = Field(default=8.0, ge=0)
    media_session_ttl_seconds: int = Field(default=3600, ge=60)
    media_max_connections: int = Field(default=1000, gt=0)  # more get 503 at the handshake

    # Telephony
    telephony: str = "local"  # local | twilio
    twilio_account_sid: str = "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_api_base: str | None = None  # set to the phone simulator's URL to run offline
    caller_id: str = "+15005550006"
    # Only honoured while twilio_api_base is a loopback URL (compliance/simulator_policy.py).
    waive_state_calling_rules_for_simulator: bool = False
    callback_number: str = "+15005550006"
    ring_timeout_seconds: int = 30
    # Regions whose numbers may be imported and dialled (ISO codes; adapters/phone_numbers.py).
    allowed_phone_regions: str = "US,PR,VI,GU,AS,MP"

    # Conversation / providers
    llm: str = "local"  # local | openai | anthropic | chain
    openai_api_key: SecretStr = SecretStr("")
    openai_model: str = "gpt-4.1-mini"
    anthropic_api_key: SecretStr = SecretStr("")
    anthropic_model: str = "claude-sonnet-5-5"  # claude-sonnet-4-5 reaches end-of-life 2026-11-30
    llm_timeout_seconds: float = 8.0
    # A prompt version run beside production on live calls, never heard (conversation/shadow.py)
    shadow_prompt_version: str = ""
    stt: str = "local"
    tts: str = "local"
    deepgram_api_key: SecretStr = SecretStr("")
    elevenlabs_api_key: SecretStr = SecretStr("")
    elevenlabs_voice_id: str = "21m00Tcm4TlvDq8ikWAM"
    # Provider details (adapters/providers.py, README "Providers"). llm: local|openai|anthropic|llama|chain,
    # stt: local|deepgram|assemblyai|google|openai|chain, tts: local|elevenlabs|openai|google|espeak|chain;
    # a real provider always falls back to the local one (the rule policy, the codec).
    # *_base_url / *_url / *_endpoint point an SDK at a proxy or a local stub (None = the vendor).
    llm_chain: str = "openai,anthropic"  # order used when llm=chain (add llama for the local model)
    stt_chain: str = "deepgram,openai"  # order used when stt=chain (design: deepgram,assemblyai,google)
    tts_chain: str = "elevenlabs,openai"  # order used when tts=chain (design: elevenlabs,openai,google)
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None
    deepgram_url: str | None = None  # websocket base, e.g. wss://api.deepgram.com
    elevenlabs_base_url: str | None = None
    deepgram_model: str = "nova-3"
    elevenlabs_model: str = "eleven_flash_v2_5"
    openai_stt_model: str = "gpt-transcribe"
    openai_tts_model: str = "gpt-4o-mini-tts"
    openai_tts_voice: str = "alloy"
    assemblyai_api_key: SecretStr = SecretStr("")
    assemblyai_model: str = "universal-streaming-english"
    assemblyai_url: str | None = None  # websocket base, e.g. wss://streaming.assemblyai.com
    # Google Speech-to-Text and Text-to-Speech: a service-account key file, or an API key
    google_credentials_file: str = ""
    google_api_key: SecretStr = SecretStr("")
    google_stt_endpoint: str | None = None  # gRPC host:port (loopback: plaintext, for a stub or proxy)
    google_tts_endpoint: str | None = None
    google_stt_model: str = "telephony"
    google_language: str = "en-US"
    google_tts_voice: str = "en-US-Neural2-F"
    # The local model tier (llm=llama or "llama" in GYDE_LLM_CHAIN): any OpenAI-compatible Chat
    # Completions server on your own hardware (Ollama, vLLM, llama.cpp), e.g. http://127.0.0.1:11434/v1
    local_llm_base_url: str | None = None
    local_llm_model: str = "llama3.1:8b"
    local_llm_api_key: SecretStr = SecretStr("")  # only if the server wants one (vLLM --api-key)
    espeak_binary: str = "espeak-ng"  # tts=espeak: name on PATH or a path
    espeak_voice: str = "en-us"
    espeak_speed_wpm: int = Field(default=175, ge=80, le=450)
    stt_timeout_seconds: float = Field(default=5.0, gt=0)
    tts_timeout_seconds: float = Field(default=5.0, gt=0)
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=30.0, ge=0)

    # Integrations
    crm: str = "local"  # local | salesforce
    salesforce_username: str = ""
    salesforce_password: SecretStr = SecretStr("")
    salesforce_security_token: SecretStr = SecretStr("")
    scheduling: str = "local"  # local | calendly
    calendly_token: SecretStr = SecretStr("")
    calendly_event_types: str = ""  # "broker_id=https://api.calendly.com/event_types/...,..."
    email: str = "local"  # local | smtp
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    email_from: str = "emma@gyde.example"

    # Observability (docs/observability.md). Ports 0 = off; api and media server serve /metrics
    # on their own ports. log_format json: one JSON object per line (ids only, PHI masked).
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    temporal_sdk_metrics_port: int = Field(default=9465, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"
    # OpenTelemetry traces: none (off), console (spans to stderr) or otlp (OTEL_EXPORTER_OTLP_* env)
    tracing: Literal["none", "console", "otlp"] = "none"

    # Unit prices for usage and cost (USD; observability/costs.py)
    price_stt_per_minute: float = Field(default=0.0043, ge=0)
    price_llm_input_per_million_tokens: float = Field(default=0.40, ge=0)
    price_llm_output_per_million_tokens: float = Field(default=1.60, ge=0)
    price_tts_per_million_characters: float = Field(default=50.0, ge=0)
    price_telephony_per_minute: float = Field(default=0.014, ge=0)

    # Demo
    demo_scripted_delay_seconds: float = Field(default=0.15, ge=0)
    log_level: str = "INFO"

    def unit_prices(self) -> UnitPrices:
        """The GYDE_PRICE_* settings as domain.usage.UnitPrices (cost per call, booking, opt-out)."""
        from domain.usage import UnitPrices

        return UnitPrices(
            stt_per_minute=self.price_stt_per_minute,
            llm_input_per_million_tokens=self.price_llm_input_per_million_tokens,
            llm_output_per_million_tokens=self.price_llm_output_per_million_tokens,
            tts_per_million_characters=self.price_tts_per_million_characters,
            telephony_per_minute=self.price_telephony_per_minute,
        )

    @field_validator("allowed_phone_regions")
    @classmethod
    def _known_regions(cls, value: str) -> str:
        from adapters.phone_numbers import parse_regions

        parse_regions(value)  # unknown codes fail at start-up, with the code named
        return ",".join(part.strip().upper() for part in value.split(",") if part.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Built once per process in a composition root; never at import time."""
    return Settings()
