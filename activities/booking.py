"""Broker availability and booking, through the Scheduling adapter (local calendars or Calendly)."""

from __future__ import annotations

from temporalio import activity

from activities.errors import domain_errors
from adapters.scheduling.base import Scheduling
from domain.messages import (
    BookingConfirmation,
    BookingRequest,
    BrokerAvailabilityRequest,
    BrokerAvailabilityResult,
    FreeSlots,
    FreeSlotsRequest,
)


class BookingActivities:
    def __init__(self, scheduling: Scheduling) -> None:
        self._scheduling = scheduling

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
        return BookingConfirmation(
            appointment_id=booked.appointment_id,
            broker_id=request.broker_id,
            slot_start=booked.slot_start,
            confirmation_code=booked.confirmation_code,
        )
