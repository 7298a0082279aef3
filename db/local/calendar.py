"""Local broker calendars: working hours on the broker row, bookings in the appointments table."""

from __future__ import annotations

from datetime import datetime

from adapters.scheduling.base import BookedSlot
from db.repositories import outreach as repo
from db.repositories.clients import get_broker
from db.session import Database
from domain.broker_slots import free_slots, is_available_now


class LocalScheduling:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def free_slots(self, broker_id: str, start: datetime, days: int) -> list[datetime]:
        async with self._db.session() as session:
            broker = await get_broker(session, broker_id)
            taken = await repo.taken_slots(session, broker_id, start, days)
            return free_slots(repo.working_hours(broker), start, days, taken)

    async def available_now(self, broker_id: str, at: datetime) -> bool:
        async with self._db.session() as session:
            broker = await get_broker(session, broker_id)
            taken = await repo.taken_slots(session, broker_id, at, 1)
            return is_available_now(repo.working_hours(broker), at, taken)

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
        async with self._db.session() as session:
            row, _ = await repo.book(
                session, key, campaign_id, client_id, broker_id, slot_start, product, call_sid
            )
            return BookedSlot(row.id, repo.as_utc(row.slot_start), row.confirmation_code)
