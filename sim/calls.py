"""State of one simulated call and its recordings, rendered as Twilio's REST JSON."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from sim.personas import Persona

API_VERSION = "2010-04-01"
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment else None


@dataclass
class SimRecording:
    sid: str
    call_sid: str
    account_sid: str
    status_callback: str | None
    status_events: tuple[str, ...]
    channels: int = 1
    status: str = "in-progress"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration: int = -1
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid": self.call_sid,
            "conference_sid": None,
            "date_created": _rfc2822(self.started_at),
            "date_updated": _rfc2822(self.started_at),
            "start_time": _rfc2822(self.started_at),
            "duration": str(self.duration),
            "sid": self.sid,
            "price": None,
            "price_unit": "USD",
            "status": self.status,
            "channels": self.channels,
            "source": "StartCallRecordingAPI",
            "error_code": None,
            "track": "both",
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.call_sid}/Recordings/{self.sid}.json",
            "encryption_details": None,
        }


@dataclass
class CallOptions:
    """What calls.create asked for (Twilio's parameter names, parsed)."""

    url: str | None
    twiml: str | None
    method: str = "POST"
    status_callback: str | None = None
    status_events: tuple[str, ...] = ("completed",)
    machine_detection: str | None = None
    async_amd: bool = False
    amd_callback: str | None = None
    timeout: int = 60


@dataclass
class SimCall:
    sid: str
    account_sid: str
    to: str
    from_: str
    persona: Persona
    options: CallOptions
    status: str = "queued"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    answered_by: str | None = None
    sequence: int = 0
    gathers: int = 0
    recordings: list[SimRecording] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)  # (verb/event, detail): for tests and demo
    transcript: list[tuple[str, str]] = field(default_factory=list)
    last_twiml: str = ""  # the TwiML document most recently executed
    # control from the REST API while the call runs
    redirect_to: tuple[str, str] | None = None  # ("url", url) or ("twiml", document)
    hangup_requested: bool = False
    program: asyncio.Task[Any] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def duration_seconds(self) -> int:
        if not self.answered_at:
            return 0
        end = self.ended_at or datetime.now(UTC)
        return max(0, int((end - self.answered_at).total_seconds()))

    def to_json(self) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "to": self.to,
            "to_formatted": self.to,
            "from": self.from_,
            "from_formatted": self.from_,
            "status": self.status,
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "answered_by": self.answered_by,
            "date_created": _rfc2822(self.created_at),
            "date_updated": _rfc2822(datetime.now(UTC)),
            "start_time": _rfc2822(self.answered_at),
            "end_time": _rfc2822(self.ended_at),
            "duration": str(self.duration_seconds) if self.ended_at else None,
            "price": None,
            "price_unit": "USD",
            "parent_call_sid": None,
            "phone_number_sid": None,
            "caller_name": None,
            "forwarded_from": None,
            "group_sid": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": f"{base}.json",
            "subresource_uris": {
                "recordings": f"{base}/Recordings.json",
                "notifications": f"{base}/Notifications.json",
            },
        }


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's legacy error body (what the SDK parses into TwilioRestException)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
