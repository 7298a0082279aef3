"""Broker calendars: what is free, who is available now, and booking a slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class SchedulingError(RuntimeError):
    """A calendar failure."""


class SchedulingUnavailable(SchedulingError):
    """Rate limited, a 5xx or a network failure: retry later."""


class SchedulingRejected(SchedulingError):
    """A request the calendar will keep refusing (auth, scope, unknown event type, invalid
    body): non-retryable; fix the configuration or the request."""


class SlotTaken(Exception):
    """Another client already holds this broker slot."""


class AlreadyBooked(Exception):
    """The client already has an appointment in this campaign."""


@dataclass(frozen=True)
class BookedSlot:
    appointment_id: str
    slot_start: datetime
    confirmation_code: str


class Scheduling(Protocol):
    async def free_slots(self, broker_id: str, start: datetime, days: int) -> list[datetime]: ...

    async def available_now(self, broker_id: str, at: datetime) -> bool: ...

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
        """Book once per key. Raises SlotTaken / AlreadyBooked / SchedulingRejected."""
        ...
