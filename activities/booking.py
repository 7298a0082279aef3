"""Broker availability and booking, through the Scheduling adapter (local calendars or Calendly)."""

from __future__ import annotations

from temporalio import activity

from activities.errors import domain_errors
from adapters.scheduling.base import Scheduling
from db.repositories import outreach as repo
from db.session import Database
from domain.messages import (
    BookingConfirmation,
    BookingRequest,
    BrokerAvailabilityRequest,
    BrokerAvailabilityResult,
    FreeSlots,
    FreeSlotsRequest,
)


class BookingActivities:
    def __init__(self, scheduling: Scheduling, db: Database) -> None:
        self._scheduling = scheduling
        self._db = db

    @activity.defn
    async def list_free_slots(self, request: FreeSlotsRequest) -> FreeSlots:
        async with domain_errors():
            slots = await self._scheduling.free_slots(request.broker_id, request.start, request.days)
        return FreeSlots(broker_id=request.broker_id, slots=tuple(slots))

    @activity.defn
    async def broker_availability(self, request: BrokerAvailabilityRequest) -> BrokerAvailabilityResult:
        async with domain_errors():
            now = await self._scheduling.available_now(request.broker_id, request.at)
            upcoming = await self._scheduling.free_slots(request.broker_id, request.at, 7)
        return BrokerAvailabilityResult(available_now=now, next_free_slot=upcoming[0] if upcoming else None)

    @activity.defn
    async def book_appointment(self, request: BookingRequest) -> BookingConfirmation:
        """Book at the calendar (local, or Calendly), then keep our own appointment row under
        the same key whatever the calendar is: the confirmation email, the CRM note and the
        broker's feed read it. A calendar that is the appointments table wrote it already."""
        async with domain_errors():
            booked = await self._scheduling.book(
                request.idempotency_key,
                request.campaign_id,
                request.client_id,
                request.broker_id,
                request.slot_start,
                request.product.value,
                request.call_sid,
            )
            async with self._db.session() as session:
                row, _ = await repo.book(
                    session,
                    request.idempotency_key,
                    request.campaign_id,
                    request.client_id,
                    request.broker_id,
                    booked.slot_start,
                    request.product.value,
                    request.call_sid,
                    confirmation_code=booked.confirmation_code,
                    external_ref=booked.appointment_id,
                )
        return BookingConfirmation(
            appointment_id=row.id,
            broker_id=request.broker_id,
            slot_start=repo.as_utc(row.slot_start),
            confirmation_code=row.confirmation_code,
        )
