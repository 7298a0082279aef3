"""Broker calendars on Calendly's API v2 through httpx.

Each broker is one Calendly event type (`event_type_uri_for_broker`). Free slots come from
`GET /event_type_available_times`; a booking is `POST /invitees` (Calendly's Scheduling API, which
books as if the invitee had used the scheduling page: notifications, calendar invites and
workflows run as usual).

Idempotency: Calendly has no idempotency key. Every booking carries a tag derived from our key
(`tracking.utm_content`). When Calendly says the slot is gone, the adapter looks for an active
invitee with that tag on that slot (`/users/me` -> organization, `/scheduled_events` filtered by
invitee email and start, then the event's invitees): if the earlier attempt whose answer was lost
did book it, that booking is returned, so running `book` twice books once and returns the same
result. Only if no booking of ours is found is it SlotTaken. (The lookup needs the
`scheduled_events:read` and `users:read` scopes and an organization admin token, which the
Scheduling API's server-to-server use needs anyway.)

Errors: a taken or unavailable slot is SlotTaken (db.repositories.errors); a request Calendly will
keep refusing (bad token, missing scope, unknown event type, invalid body) is CalendlyRejected,
which retrying cannot fix; rate limits (429), 5xx and network failures are CalendlyUnavailable,
worth retrying.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from adapters.scheduling.base import (
    BookedSlot,
    SchedulingError,
    SchedulingRejected,
    SchedulingUnavailable,
    SlotTaken,
)

DEFAULT_BASE_URL = "https://api.calendly.com"
# The endpoint accepted at most 7 days per request until July 2026 and 31 days since; 7-day pages
# are valid under both limits.
DEFAULT_WINDOW = timedelta(days=7)
# Calendly rejects availability ranges that start in the past; stay a little ahead of "now".
START_MARGIN = timedelta(seconds=30)
# Words in a Calendly error that mean "this time can no longer be booked".
SLOT_GONE_HINTS = ("no longer available", "not available", "unavailable", "already booked", "already taken")


CalendlyError = SchedulingError


class CalendlyUnavailable(SchedulingUnavailable):
    """Rate limited, a 5xx or a network failure: retry later."""


class CalendlyRejected(SchedulingRejected):
    """A request Calendly will keep refusing (auth, scope, unknown event type, invalid body):
    non-retryable; fix the configuration or the request."""


@dataclass(frozen=True)
class CalendlyInvitee:
    """Who is booked: Calendly needs a name, an email and the invitee's IANA time zone."""

    name: str
    email: str
    timezone: str


InviteeLookup = Callable[[str], Awaitable[CalendlyInvitee]]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware instant")
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return _utc(value).isoformat().replace("+00:00", "Z")


def _parse_instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _error_text(response: httpx.Response) -> str:
    """Calendly errors are JSON `{title, message, details: [{parameter, message}]}`."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    parts = [str(body.get("title", "")), str(body.get("message", ""))]
    for detail in body.get("details") or []:
        if isinstance(detail, dict):
            parts.append(f"{detail.get('parameter', '')}: {detail.get('message', '')}")
    return "; ".join(p for p in parts if p.strip(" :"))


def tracking_tag(key: str) -> str:
    """A short, stable tag for an idempotency key (no PHI; keys hold ids only anyway)."""
    return "gyde-" + hashlib.sha256(key.encode()).hexdigest()[:24]


class CalendlyScheduling:
    """Implements adapters.scheduling.base.Scheduling on Calendly API v2."""

    def __init__(
        self,
        token: str,
        event_type_uri_for_broker: Mapping[str, str],
        client: httpx.AsyncClient | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        invitee_for_client: InviteeLookup | None = None,
        window: timedelta = DEFAULT_WINDOW,
        available_now_within: timedelta = timedelta(minutes=15),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout_s: float = 20.0,
    ) -> None:
        if not token:
            raise ValueError("a Calendly personal access token or OAuth token is required")
        if window <= timedelta(0):
            raise ValueError("window must be positive")
        self._token = token
        self._event_types = dict(event_type_uri_for_broker)
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._base = base_url.rstrip("/")
        self._invitee_for_client = invitee_for_client
        self._window = window
        self._now_within = available_now_within
        self._clock = clock
        self._organization_uri: str | None = None

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # --- the Scheduling protocol -----------------------------------------------------------------

    async def free_slots(self, broker_id: str, start: datetime, days: int) -> list[datetime]:
        if days < 1:
            return []
        return await self._available_times(broker_id, start, start + timedelta(days=days))

    async def available_now(self, broker_id: str, at: datetime) -> bool:
        """Calendly knows bookable start times, not presence: the broker counts as available now
        when a bookable slot starts within `available_now_within` of `at`."""
        slots = await self._available_times(broker_id, at, at + self._now_within)
        return bool(slots)

    async def book(
        self,
        key: str,
        campaign_id: str,
        client_id: str,
        broker_id: str,
        slot_start: datetime,
        product: str,
        call_sid: str,
    ) -> BookedSlot:
        if self._invitee_for_client is None:
            raise CalendlyRejected(
                "CalendlyScheduling needs invitee_for_client to book (name, email, time zone)"
            )
        event_type = self._event_type(broker_id)
        invitee = await self._invitee_for_client(client_id)
        slot_utc = _utc(slot_start)
        body: dict[str, Any] = {
            "event_type": event_type,
            "start_time": _iso(slot_utc),
            "invitee": {"name": invitee.name, "email": invitee.email, "timezone": invitee.timezone},
            "tracking": {
                "utm_source": "gyde",
                "utm_campaign": campaign_id,
                "utm_medium": product,
                "utm_content": tracking_tag(key),
            },
        }
        try:
            response = await self._request("POST", "/invitees", json=body, slot=slot_utc, broker_id=broker_id)
        except SlotTaken:
            uri = await self._own_booking(key, event_type, invitee, slot_utc)
            if uri is None:
                raise
        else:
            uri = str((response.json().get("resource") or {}).get("uri") or "")
            if not uri:
                raise CalendlyUnavailable("Calendly accepted the booking but returned no invitee uri")
        return BookedSlot(
            appointment_id=uri,
            slot_start=slot_utc,
            confirmation_code=hashlib.sha256(key.encode()).hexdigest()[:6].upper(),
        )

    async def _own_booking(
        self, key: str, event_type: str, invitee: CalendlyInvitee, slot: datetime
    ) -> str | None:
        """The uri of an active invitee on `slot` that an earlier attempt with `key` created."""
        try:
            organization = await self._organization()
            events = await self._request(
                "GET",
                "/scheduled_events",
                params={
                    "organization": organization,
                    "invitee_email": invitee.email,
                    "min_start_time": _iso(slot),
                    "max_start_time": _iso(slot + timedelta(seconds=1)),
                    "status": "active",
                },
            )
            tag = tracking_tag(key)
            for event in events.json().get("collection") or []:
                if event.get("event_type") != event_type or _parse_instant(str(event["start_time"])) != slot:
                    continue
                invitees = await self._request(
                    "GET",
                    urlsplit(str(event["uri"])).path + "/invitees",
                    params={"email": invitee.email, "status": "active"},
                )
                for found in invitees.json().get("collection") or []:
                    if (found.get("tracking") or {}).get("utm_content") == tag:
                        return str(found["uri"])
        except CalendlyRejected:
            return None  # no permission to look: the slot is simply taken as far as we can tell
        return None

    async def _organization(self) -> str:
        if self._organization_uri is None:
            me = await self._request("GET", "/users/me")
            self._organization_uri = str(me.json()["resource"]["current_organization"])
        return self._organization_uri

    # --- HTTP ------------------------------------------------------------------------------------

    def _event_type(self, broker_id: str) -> str:
        try:
            return self._event_types[broker_id]
        except KeyError:
            raise CalendlyRejected(f"no Calendly event type configured for broker {broker_id}") from None

    async def _available_times(self, broker_id: str, start: datetime, end: datetime) -> list[datetime]:
        event_type = self._event_type(broker_id)
        start = max(_utc(start), _utc(self._clock()) + START_MARGIN)
        end = _utc(end)
        found: set[datetime] = set()
        page_start = start
        while page_start < end:
            page_end = min(page_start + self._window, end)
            response = await self._request(
                "GET",
                "/event_type_available_times",
                params={"event_type": event_type, "start_time": _iso(page_start), "end_time": _iso(page_end)},
            )
            for item in response.json().get("collection") or []:
                if item.get("status", "available") != "available":
                    continue
                slot = _parse_instant(str(item["start_time"]))
                if start <= slot < end:
                    found.add(slot)
            page_start = page_end
        return sorted(found)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        slot: datetime | None = None,
        broker_id: str = "",
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            response = await self._client.request(
                method, self._base + path, params=params, json=json, headers=headers
            )
        except httpx.HTTPError as exc:
            raise CalendlyUnavailable(f"Calendly {method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code < 300:
            return response
        status, detail = response.status_code, _error_text(response)
        where = f"Calendly {method} {path} -> {status}"
        if status == 429 or status >= 500:
            raise CalendlyUnavailable(f"{where}: {detail}")
        if status in (401, 403):
            raise CalendlyRejected(f"{where}: the Calendly token is invalid or lacks the scope ({detail})")
        if slot is not None and (status == 409 or any(h in detail.lower() for h in SLOT_GONE_HINTS)):
            raise SlotTaken(f"broker {broker_id} slot {slot.isoformat()} is taken on Calendly ({detail})")
        raise CalendlyRejected(f"{where}: {detail}")
