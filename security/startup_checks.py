"""Refuse to run a process that holds PHI on development secrets.

Without GYDE_ENCRYPTION_KEYS every process encrypts under a key derived from a constant in the
source, so anyone with the code can read the database and the Temporal histories; without
GYDE_LOOKUP_HASH_KEY the phone hashes are keyed by a value derived from that key; a short stream-
token secret can be brute-forced into media-stream tokens. A warning in a log is not enough.

The one exception is a stack that never leaves this machine (`make demo`, `gyde dev`, the tests):
every endpoint a process could reach or expose is loopback. The rule, per setting:
- the Temporal address, the database (SQLite files and socket paths are local), Redis, the public
  api and media URLs and both bind addresses are localhost / 127.0.0.0/8 / ::1;
- telephony is the in-process scripted phone, or Twilio's SDK pointed at a loopback
  GYDE_TWILIO_API_BASE (the simulator);
- every vendor in use (LLM, STT, TTS) has its base URL pointed at loopback; Salesforce and
  Calendly (no base URL setting) always count as outside; SMTP counts by its host.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from settings import Settings

MIN_STREAM_SECRET_BYTES = 32
_NEEDS_STREAM_SECRET = {"worker": False, "api": True, "media": True}


class InsecureStartup(RuntimeError):
    """The process would run production traffic on development secrets; the message is one line."""


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (brackets allowed); an empty host is not loopback."""
    if not host:
        return False
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(url: str) -> str | None:
    return urlsplit(url.strip()).hostname


def _database_is_local(url: str) -> bool:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    if parsed.get_backend_name() == "sqlite":
        return True
    return parsed.host is None or is_loopback_host(parsed.host)  # no host: a unix socket


def _chain(choice: str, chain: str, offline: set[str]) -> set[str]:
    choice = choice.strip().lower()
    if choice == "chain":
        return {v.strip().lower() for v in chain.split(",") if v.strip()}
    return {choice} - offline


def _vendors(settings: Settings) -> set[str]:
    """The vendor services the configured LLM, STT and TTS choices call (Google's speech and voice
    services are two endpoints, so two entries)."""
    used = _chain(settings.llm, settings.llm_chain, {"local"})
    used |= {f"{v}-stt" if v == "google" else v for v in _chain(settings.stt, settings.stt_chain, {"local"})}
    tts = _chain(settings.tts, settings.tts_chain, {"local", "espeak"})
    used |= {f"{v}-tts" if v == "google" else v for v in tts}
    return used


_VENDOR_URLS = {
    "openai": ("GYDE_OPENAI_BASE_URL", "openai_base_url"),
    "anthropic": ("GYDE_ANTHROPIC_BASE_URL", "anthropic_base_url"),
    "llama": ("GYDE_LOCAL_LLM_BASE_URL", "local_llm_base_url"),
    "deepgram": ("GYDE_DEEPGRAM_URL", "deepgram_url"),
    "assemblyai": ("GYDE_ASSEMBLYAI_URL", "assemblyai_url"),
    "google-stt": ("GYDE_GOOGLE_STT_ENDPOINT", "google_stt_endpoint"),
    "google-tts": ("GYDE_GOOGLE_TTS_ENDPOINT", "google_tts_endpoint"),
    "elevenlabs": ("GYDE_ELEVENLABS_BASE_URL", "elevenlabs_base_url"),
}


def non_loopback_endpoints(settings: Settings) -> list[str]:
    """The settings (by environment name) that reach or expose something beyond this machine."""
    outside: list[str] = []
    temporal_host = settings.temporal_address.rpartition(":")[0] or settings.temporal_address
    if not is_loopback_host(temporal_host):
        outside.append("GYDE_TEMPORAL_ADDRESS")
    if not _database_is_local(settings.database_url):
        outside.append("GYDE_DATABASE_URL")
    if settings.redis_url and not _redis_is_local(settings.redis_url):
        outside.append("GYDE_REDIS_URL")
    for name, url in (
        ("GYDE_PUBLIC_BASE_URL", settings.public_base_url),
        ("GYDE_MEDIA_STREAM_URL", settings.media_stream_url),
    ):
        if not is_loopback_host(_url_host(url)):
            outside.append(name)
    for name, host in (("GYDE_API_HOST", settings.api_host), ("GYDE_MEDIA_HOST", settings.media_host)):
        if not is_loopback_host(host):
            outside.append(name)
    if settings.telephony.strip().lower() != "local" and not (
        settings.twilio_api_base and is_loopback_host(_url_host(settings.twilio_api_base))
    ):
        outside.append("GYDE_TWILIO_API_BASE")
    for vendor in sorted(_vendors(settings)):
        env_name, field = _VENDOR_URLS.get(vendor, (f"GYDE_{vendor.upper()}", ""))
        base: str | None = getattr(settings, field, None) if field else None
        if base and "//" not in base:
            base = f"//{base}"  # a gRPC host:port
        if not (base and is_loopback_host(_url_host(base))):
            outside.append(env_name)
    if settings.crm.strip().lower() != "local":
        outside.append("GYDE_CRM")
    if settings.scheduling.strip().lower() != "local":
        outside.append("GYDE_SCHEDULING")
    if settings.email.strip().lower() != "local" and not is_loopback_host(settings.smtp_host):
        outside.append("GYDE_SMTP_HOST")
    return list(dict.fromkeys(outside))


def _redis_is_local(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme == "unix" or is_loopback_host(parts.hostname)


def missing_secrets(settings: Settings, process: str) -> list[str]:
    """What `process` (worker | api | media) lacks for production, each with why."""
    if process not in _NEEDS_STREAM_SECRET:
        raise ValueError(f"unknown process {process!r}; expected one of {sorted(_NEEDS_STREAM_SECRET)}")
    missing: list[str] = []
    if not settings.encryption_keys.get_secret_value().strip():
        missing.append("GYDE_ENCRYPTION_KEYS (unset: development key ring)")
    if not settings.lookup_hash_key.get_secret_value().strip():
        missing.append("GYDE_LOOKUP_HASH_KEY (unset)")
    if _NEEDS_STREAM_SECRET[process]:
        size = len(settings.stream_token_secret.get_secret_value().encode("utf-8"))
        if size < MIN_STREAM_SECRET_BYTES:
            missing.append(
                f"GYDE_STREAM_TOKEN_SECRET ({size} bytes, needs at least {MIN_STREAM_SECRET_BYTES})"
            )
    return missing


def check_startup_secrets(settings: Settings, process: str) -> None:
    """Raise InsecureStartup (one line naming what is missing and what is not loopback) unless
    `process` has production secrets or every endpoint is loopback. Call it from the process's
    composition root before anything connects."""
    missing = missing_secrets(settings, process)
    if not missing:
        return
    outside = non_loopback_endpoints(settings)
    if not outside:
        return  # the local simulator stack: development secrets are fine here
    raise InsecureStartup(
        f"refusing to start the {process} with development secrets: missing {'; '.join(missing)}."
        f" Set them, or keep every endpoint on loopback (not loopback: {', '.join(outside)})."
        " See docs/security.md, 'Keys'."
    )
