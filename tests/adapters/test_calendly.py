"""CalendlyScheduling against a fake Calendly API v2 mounted with respx on the adapter's httpx client.

The fake enforces what the real API enforces and the adapter must respect: bearer auth, a range of
at most 7 days per availability request, a start in the future, and a slot that is still free at
booking time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import respx

from adapters.scheduling.calendly import (
    CalendlyInvitee,
    CalendlyRejected,
    CalendlyScheduling,
    CalendlyUnavailable,
    tracking_tag,
)
from db.repositories.errors import SlotTaken

BASE = "https://api.calendly.com"
TOKEN = "pat-secret"
EVENT_TYPE = f"{BASE}/event_types/AAAAAAAAAAAAAAAA"
NOW = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)  # a Monday
MAX_RANGE = timedelta(days=7)
ORGANIZATION = f"{BASE}/organizations/ORG1"


def _z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, title: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"title": title, "message": message})


@dataclass
class FakeCalendly:
    """Just enough of api.calendly.com: one event type, its open start times, and bookings."""

    open_slots: set[datetime] = field(default_factory=set)
    availability_queries: list[tuple[datetime, datetime]] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    forced: httpx.Response | None = None
    lose_next_booking_response: bool = False
    event_searches: int = 0

    def _authorised(self, request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(401, "Unauthenticated", "The access token is invalid")
        return self.forced

    def available_times(self, request: httpx.Request) -> httpx.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        params = request.url.params
        if params.get("event_type") != EVENT_TYPE:
            return _error(404, "Resource Not Found", "The server could not find the requested resource.")
        start = datetime.fromisoformat(params["start_time"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(params["end_time"].replace("Z", "+00:00"))
        if start.tzinfo is None or end.tzinfo is None:
            return _error(400, "Invalid Argument", "start_time and end_time must carry a zone")
        if start <= NOW or end <= start or end - start > MAX_RANGE:
            return _error(400, "Invalid Argument", "The date range is invalid or greater than 7 days")
        self.availability_queries.append((start, end))
        collection = [
            {
                "status": "available",
                "invitees_remaining": 1,
                "start_time": _z(slot),
                "scheduling_url": f"https://calendly.com/broker/30min/{_z(slot)}",
            }
            for slot in sorted(self.open_slots)
            if start <= slot < end
        ]
        return httpx.Response(200, json={"collection": collection})

    def create_invitee(self, request: httpx.Request) -> httpx.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        body = json.loads(request.content)
        if request.headers.get("content-type") != "application/json":
            return _error(400, "Invalid Argument", "expected JSON")
        slot = datetime.fromisoformat(body["start_time"].replace("Z", "+00:00"))
        if body["event_type"] != EVENT_TYPE:
            return _error(404, "Resource Not Found", "The server could not find the requested resource.")
        if slot not in self.open_slots:
            return _error(400, "Invalid Argument", "The selected time is no longer available.")
        self.open_slots.discard(slot)
        n = len(self.bookings) + 1
        invitee = {
            "uri": f"{BASE}/scheduled_events/EV{n}/invitees/INV{n}",
            "event": f"{BASE}/scheduled_events/EV{n}",
            "status": "active",
            "email": body["invitee"]["email"],
            "name": body["invitee"]["name"],
            "timezone": body["invitee"]["timezone"],
            "tracking": body.get("tracking", {}),
        }
        self.bookings.append({**body, "_invitee": invitee, "_start": slot})
        if self.lose_next_booking_response:  # booked, but the answer never reaches the caller
            self.lose_next_booking_response = False
            return _error(502, "Bad Gateway", "upstream timed out")
        return httpx.Response(201, json={"resource": invitee})

    def me(self, request: httpx.Request) -> httpx.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        return httpx.Response(
            200, json={"resource": {"uri": f"{BASE}/users/ME", "current_organization": ORGANIZATION}}
        )

    def scheduled_events(self, request: httpx.Request) -> httpx.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        params = request.url.params
        if params.get("organization") != ORGANIZATION:
            return _error(403, "Permission Denied", "You do not have permission to access this resource.")
        low = datetime.fromisoformat(params["min_start_time"].replace("Z", "+00:00"))
        high = datetime.fromisoformat(params["max_start_time"].replace("Z", "+00:00"))
        self.event_searches += 1
        collection = [
            {
                "uri": b["_invitee"]["event"],
                "event_type": b["event_type"],
                "start_time": _z(b["_start"]),
                "status": "active",
            }
            for b in self.bookings
            if b["invitee"]["email"] == params.get("invitee_email") and low <= b["_start"] < high
        ]
        return httpx.Response(200, json={"collection": collection, "pagination": {"next_page": None}})

    def event_invitees(self, request: httpx.Request, uuid: str) -> httpx.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        email = request.url.params.get("email")
        collection = [
            b["_invitee"]
            for b in self.bookings
            if b["_invitee"]["event"].endswith(f"/{uuid}") and b["_invitee"]["email"] == email
        ]
        return httpx.Response(200, json={"collection": collection, "pagination": {"next_page": None}})


@pytest.fixture
def fake() -> Iterator[FakeCalendly]:
    calendly = FakeCalendly()
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/event_type_available_times").mock(side_effect=calendly.available_times)
        router.post("/invitees").mock(side_effect=calendly.create_invitee)
        router.get("/users/me").mock(side_effect=calendly.me)
        router.get("/scheduled_events").mock(side_effect=calendly.scheduled_events)
        router.get(path__regex=r"^/scheduled_events/(?P<uuid>\w+)/invitees$").mock(
            side_effect=calendly.event_invitees
        )
        yield calendly


async def _invitee(client_id: str) -> CalendlyInvitee:
    return CalendlyInvitee(
        name=f"Client {client_id}", email=f"{client_id}@example.com", timezone="America/Chicago"
    )


@pytest_asyncio.fixture
async def calendly(fake: FakeCalendly) -> AsyncIterator[CalendlyScheduling]:
    async with httpx.AsyncClient() as http:
        yield CalendlyScheduling(
            TOKEN, {"b1": EVENT_TYPE}, http, invitee_for_client=_invitee, clock=lambda: NOW
        )


async def test_free_slots_are_parsed_as_utc_instants(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    fake.open_slots = {NOW + timedelta(hours=3), NOW + timedelta(days=1, hours=2, minutes=30)}
    slots = await calendly.free_slots("b1", NOW, 2)
    assert slots == sorted(fake.open_slots)
    assert all(s.tzinfo is not None and s.utcoffset() == timedelta(0) for s in slots)


async def test_offsets_in_calendly_times_are_normalised_to_utc() -> None:
    with respx.mock(base_url=BASE) as router:
        router.get("/event_type_available_times").respond(
            200,
            json={"collection": [{"status": "available", "start_time": "2030-01-08T09:00:00-06:00"}]},
        )
        adapter = CalendlyScheduling(TOKEN, {"b1": EVENT_TYPE}, clock=lambda: NOW)
        slots = await adapter.free_slots("b1", NOW, 3)
        await adapter.aclose()
    assert slots == [datetime(2030, 1, 8, 15, 0, tzinfo=UTC)]
    assert slots[0].tzinfo == UTC


async def test_a_long_range_is_paged_in_windows_of_at_most_seven_days(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    first, middle, last = NOW + timedelta(days=1), NOW + timedelta(days=9), NOW + timedelta(days=19, hours=5)
    fake.open_slots = {first, middle, last, NOW + timedelta(days=25)}  # the last one is past the range
    slots = await calendly.free_slots("b1", NOW, 20)
    assert slots == [first, middle, last]
    queries = fake.availability_queries
    assert len(queries) == 3
    assert all(end - start <= MAX_RANGE for start, end in queries)
    assert all(a[1] == b[0] for a, b in zip(queries, queries[1:], strict=False))  # contiguous, no gap
    assert queries[-1][1] == NOW + timedelta(days=20)


async def test_a_start_in_the_past_is_moved_to_now(fake: FakeCalendly, calendly: CalendlyScheduling) -> None:
    fake.open_slots = {NOW + timedelta(hours=1)}
    slots = await calendly.free_slots("b1", NOW - timedelta(days=2), 3)
    assert slots == [NOW + timedelta(hours=1)]
    assert fake.availability_queries[0][0] > NOW


async def test_available_now_means_a_slot_starts_soon(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    fake.open_slots = {NOW + timedelta(minutes=10)}
    assert await calendly.available_now("b1", NOW) is True
    fake.open_slots = {NOW + timedelta(hours=2)}
    assert await calendly.available_now("b1", NOW) is False


async def test_booking_posts_an_invitee_for_the_slot(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    slot = NOW + timedelta(days=1)
    fake.open_slots = {slot}
    booked = await calendly.book("outreach:c1:k1/book", "c1", "k1", "b1", slot, "medicare", "CA1")
    assert booked.appointment_id == f"{BASE}/scheduled_events/EV1/invitees/INV1"
    assert booked.slot_start == slot
    assert len(booked.confirmation_code) == 6
    [body] = fake.bookings
    assert fake.event_searches == 0
    assert body["event_type"] == EVENT_TYPE
    assert body["start_time"] == "2030-01-08T12:00:00Z"
    assert body["invitee"] == {"name": "Client k1", "email": "k1@example.com", "timezone": "America/Chicago"}
    assert body["tracking"]["utm_content"] == tracking_tag("outreach:c1:k1/book")


async def test_a_slot_nobody_offers_is_slot_taken(fake: FakeCalendly, calendly: CalendlyScheduling) -> None:
    with pytest.raises(SlotTaken, match="no longer available"):
        await calendly.book("k", "c1", "k1", "b1", NOW + timedelta(days=1), "medicare", "CA1")
    assert fake.bookings == []


async def test_a_slot_another_booking_took_is_slot_taken(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    slot = NOW + timedelta(days=1)
    fake.open_slots = {slot}
    await calendly.book("outreach:c0:k1/book", "c0", "k1", "b1", slot, "medicare", "CA0")  # same client
    with pytest.raises(SlotTaken):
        await calendly.book("outreach:c1:k1/book", "c1", "k1", "b1", slot, "medicare", "CA1")
    assert len(fake.bookings) == 1


async def test_booking_twice_with_one_key_books_once_and_returns_the_first_result(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    slot = NOW + timedelta(days=1)
    fake.open_slots = {slot}
    first = await calendly.book("outreach:c1:k1/book", "c1", "k1", "b1", slot, "medicare", "CA1")
    second = await calendly.book("outreach:c1:k1/book", "c1", "k1", "b1", slot, "medicare", "CA1")
    assert second == first
    assert len(fake.bookings) == 1


async def test_a_retry_after_a_lost_answer_finds_the_booking_it_made(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    slot = NOW + timedelta(days=1)
    fake.open_slots = {slot}
    fake.lose_next_booking_response = True
    with pytest.raises(CalendlyUnavailable, match="502"):
        await calendly.book("outreach:c1:k1/book", "c1", "k1", "b1", slot, "medicare", "CA1")
    retried = await calendly.book("outreach:c1:k1/book", "c1", "k1", "b1", slot, "medicare", "CA1")
    assert retried.appointment_id == f"{BASE}/scheduled_events/EV1/invitees/INV1"
    assert retried.slot_start == slot
    assert len(fake.bookings) == 1


async def test_a_conflict_status_is_slot_taken(fake: FakeCalendly, calendly: CalendlyScheduling) -> None:
    fake.forced = _error(409, "Conflict", "Conflict")
    with pytest.raises(SlotTaken):
        await calendly.book("k", "c1", "k1", "b1", NOW + timedelta(days=1), "medicare", "CA1")


async def test_a_bad_token_is_a_clear_non_retryable_error(fake: FakeCalendly) -> None:
    adapter = CalendlyScheduling("wrong", {"b1": EVENT_TYPE}, clock=lambda: NOW)
    with pytest.raises(CalendlyRejected, match="401.*token is invalid") as caught:
        await adapter.free_slots("b1", NOW, 1)
    assert not isinstance(caught.value, CalendlyUnavailable)
    await adapter.aclose()


async def test_an_unknown_broker_is_rejected_without_a_request(
    fake: FakeCalendly, calendly: CalendlyScheduling
) -> None:
    with pytest.raises(CalendlyRejected, match="no Calendly event type configured for broker b9"):
        await calendly.free_slots("b9", NOW, 1)
    assert fake.availability_queries == []


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_server_errors_and_rate_limits_are_retryable(
    fake: FakeCalendly, calendly: CalendlyScheduling, status: int
) -> None:
    fake.forced = _error(status, "Internal Server Error", "The server encountered an unexpected condition")
    with pytest.raises(CalendlyUnavailable, match=str(status)):
        await calendly.free_slots("b1", NOW, 1)
    with pytest.raises(CalendlyUnavailable):
        await calendly.book("k", "c1", "k1", "b1", NOW + timedelta(days=1), "medicare", "CA1")


async def test_network_failures_are_retryable() -> None:
    with respx.mock(base_url=BASE) as router:
        router.get("/event_type_available_times").mock(side_effect=httpx.ConnectError("refused"))
        adapter = CalendlyScheduling(TOKEN, {"b1": EVENT_TYPE}, clock=lambda: NOW)
        with pytest.raises(CalendlyUnavailable, match="ConnectError"):
            await adapter.free_slots("b1", NOW, 1)
        await adapter.aclose()


async def test_booking_without_an_invitee_lookup_is_a_configuration_error(fake: FakeCalendly) -> None:
    adapter = CalendlyScheduling(TOKEN, {"b1": EVENT_TYPE}, clock=lambda: NOW)
    with pytest.raises(CalendlyRejected, match="invitee_for_client"):
        await adapter.book("k", "c1", "k1", "b1", NOW + timedelta(days=1), "medicare", "CA1")
    assert fake.bookings == []
    await adapter.aclose()


async def test_naive_datetimes_are_refused(fake: FakeCalendly, calendly: CalendlyScheduling) -> None:
    with pytest.raises(ValueError, match="naive"):
        await calendly.free_slots("b1", datetime(2030, 1, 8, 9, 0), 1)
    with pytest.raises(ValueError, match="naive"):
        await calendly.book("k", "c1", "k1", "b1", datetime(2030, 1, 8, 9, 0), "medicare", "CA1")
    assert fake.availability_queries == [] and fake.bookings == []
