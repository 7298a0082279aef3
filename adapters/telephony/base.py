"""The telephony door the activities and the api use. Twilio implements it on the official SDK;
the local phone simulator speaks Twilio's REST, so the same adapter serves both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.messages import PlaceCallRequest, PlaceCallResult


class TelephonyError(RuntimeError):
    """A provider failure worth retrying (network, 5xx, rate limit)."""


class TelephonyRejected(TelephonyError):
    """A request the carrier will keep refusing (bad parameters, auth): retrying cannot help."""


class CallNotFound(TelephonyError):
    """The call is gone (already ended): hang-ups and redirects on it are no-ops for callers."""


@dataclass(frozen=True)
class CarrierCall:
    """One call as the carrier lists it (Twilio's Calls resource): enough to adopt it."""

    sid: str
    status: str  # Twilio's call status: queued, ringing, in-progress, completed, ...
    created_at: datetime

    @property
    def live(self) -> bool:
        return self.status in ("queued", "initiated", "ringing", "in-progress")


class Telephony(Protocol):
    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        """Dial `to_number`; raises domain.phone.InvalidPhoneNumber (non-retryable) for bad numbers."""
        ...

    async def find_calls(self, to_number: str, since: datetime) -> list[CarrierCall]:
        """Calls from our caller id to `to_number` created at or after `since`, oldest first:
        how a retry finds the call an earlier try created when the carrier's answer was lost."""
        ...

    async def hangup(self, call_sid: str) -> None: ...

    async def transfer(
        self, call_sid: str, broker_number: str, whisper_url: str, workflow_id: str | None = None
    ) -> None:
        """Warm transfer: the broker hears `whisper_url`'s briefing, then is bridged to the client.

        The outcome arrives later as a webhook (`transfer-result`), so this returns once the call
        has been redirected. `workflow_id` routes that webhook; when omitted it is read from the
        whisper URL's `workflow_id` query parameter (TwilioUrls.whisper puts it there)."""
        ...

    async def redirect(self, call_sid: str, twiml_url: str) -> None:
        """Make the live call fetch and run new TwiML (voicemail drop after AMD says machine)."""
        ...

    async def start_recording(self, call_sid: str, workflow_id: str | None = None) -> str:
        """Start recording a live call (only ever after consent); returns the recording sid.

        With `workflow_id`, recording status callbacks are routed to that workflow."""
        ...

    async def delete_recording(self, recording_sid: str) -> None: ...
