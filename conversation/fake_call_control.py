"""An in-memory CallControl for text chats and tests: it records every call and validates like
the workflow does (the slot must be free; nothing is booked after an opt-out)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from conversation.agent_data import BrokerCalendar, Clock, utc_now
from domain.call_control import BookingRejected
from domain.enums import CallbackOwner, CallResult, ProductType, Stage
from domain.messages import BookingConfirmation, CallbackConfirmation


@dataclass
class ControlCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


class FakeCallControl:
    """Implements domain.call_control.CallControl in memory."""

    def __init__(self, broker_id: str, calendar: BrokerCalendar, *, clock: Clock = utc_now) -> None:
        self.broker_id = broker_id
        self.calendar = calendar
        self.calls: list[ControlCall] = []
        self.stages: list[Stage] = []
        self.opted_out = False
        self.bookings: list[BookingConfirmation] = []
        self.callbacks: list[CallbackConfirmation] = []
        self.ended: tuple[CallResult, str, datetime | None] | None = None
        self._clock = clock
        self._ids = itertools.count(1)

    async def stage_changed(self, stage: Stage) -> None:
        self.calls.append(ControlCall("stage_changed", {"stage": stage.value}))
        self.stages.append(stage)

    async def opt_out(self) -> None:
        self.calls.append(ControlCall("opt_out"))
        self.opted_out = True

    async def book_appointment(self, slot_start: datetime, product: ProductType) -> BookingConfirmation:
        self.calls.append(
            ControlCall("book_appointment", {"slot_start": slot_start, "product": product.value})
        )
        if self.opted_out:
            raise BookingRejected("the client opted out")
        if self.bookings:
            raise BookingRejected("this client already has an appointment in this campaign")
        if slot_start.tzinfo is None:
            raise BookingRejected("slot_start must be timezone-aware")
        if not self.calendar.is_free(slot_start, self._clock()):
            raise BookingRejected("that slot is not free")
        slot = slot_start.astimezone(UTC)
        self.calendar.taken.add(slot)
        number = next(self._ids)
        confirmation = BookingConfirmation(
            appointment_id=f"appt-{number}",
            broker_id=self.broker_id,
            slot_start=slot,
            confirmation_code=f"GY{number:04d}",
        )
        self.bookings.append(confirmation)
        return confirmation

    async def request_callback(self, callback_at: datetime, owner: CallbackOwner) -> CallbackConfirmation:
        self.calls.append(ControlCall("request_callback", {"callback_at": callback_at, "owner": owner.value}))
        if self.opted_out:
            raise BookingRejected("the client opted out")
        confirmation = CallbackConfirmation(f"cb-{next(self._ids)}", callback_at, owner)
        self.callbacks.append(confirmation)
        return confirmation

    async def transfer_to_broker(self) -> bool:
        available = self.calendar.is_available_at(self._clock())
        self.calls.append(ControlCall("transfer_to_broker", {"connected": available}))
        return available

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        """The calendar's free slots in [start, end): the same calendar book_appointment checks."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("free_slots needs timezone-aware bounds")
        now = self._clock()
        self.calls.append(ControlCall("free_slots", {"start": start, "end": end}))
        return [s for s in self.calendar.free_between(max(start, now), end) if start <= s < end]

    async def end_call(self, result: CallResult, summary: str, callback_at: datetime | None = None) -> None:
        self.calls.append(ControlCall("end_call", {"result": result.value, "callback_at": callback_at}))
        if self.ended is not None:
            raise RuntimeError("end_call called twice")
        self.ended = (result, summary, callback_at)
