"""Broker calendars: what is free, who is available now, and booking a slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
        """Book once per key. Raises SlotTaken / AlreadyBooked (db.repositories.errors)."""
        ...
