"""A media session's settings, and what it reports when the stream ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.enums import CallResult
from media_server.session_store import TurnRecord
from media_server.turn_taking import TurnConfig, turn_settings
from media_server.vad import VadConfig


class EndReason(StrEnum):
    COMPLETED = "completed"  # the agent ended the call and its last words played
    STOPPED = "stopped"  # Twilio sent `stop` (the caller hung up)
    DISCONNECTED = "disconnected"  # the socket closed without `stop`
    PROTOCOL_ERROR = "protocol_error"
    START_TIMEOUT = "start_timeout"
    UNAUTHORIZED = "unauthorized"
    IDLE_TIMEOUT = "idle_timeout"
    PROVIDER_FAILED = "provider_failed"
    INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True)
class SessionConfig:
    token_secret: str
    vad: VadConfig = field(default_factory=VadConfig)
    turn: TurnConfig = field(default_factory=TurnConfig)
    start_timeout_s: float = 10.0
    idle_timeout_s: float = 15.0
    transcript_grace_s: float = 0.4
    silence_reprompt_s: float = 8.0  # 0 = never re-prompt a silent caller

    @classmethod
    def from_settings(cls, settings: Any) -> SessionConfig:
        return cls(
            token_secret=settings.stream_token_secret.get_secret_value(),
            **turn_settings(settings),
            start_timeout_s=settings.media_start_timeout_seconds,
            idle_timeout_s=settings.media_idle_timeout_seconds,
            transcript_grace_s=settings.media_transcript_grace_ms / 1000.0,
            silence_reprompt_s=settings.media_silence_reprompt_seconds,
        )


@dataclass
class SessionReport:
    reason: EndReason | None = None
    call_sid: str = ""
    workflow_id: str = ""
    frames_in: int = 0
    frames_out: int = 0
    barge_ins: int = 0
    holds: int = 0  # Emma stopped for speech over her (barge-ins plus backchannels she went on after)
    result: CallResult | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    detail: str = ""
