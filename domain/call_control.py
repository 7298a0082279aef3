"""The conversation's only door to durable state: implemented by the media server's workflow
bridge (signals and updates to the client's workflow) and by an in-memory fake for text chats."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.enums import CallbackOwner, CallResult, ProductType, Stage
from domain.messages import BookingConfirmation, CallbackConfirmation


class BookingRejected(Exception):
    """The workflow's update validator refused a booking (slot taken, client opted out...)."""


class CallControl(Protocol):
    async def stage_changed(self, stage: Stage) -> None: ...

    async def opt_out(self) -> None: ...

    async def book_appointment(self, slot_start: datetime, product: ProductType) -> BookingConfirmation: ...

    async def request_callback(self, callback_at: datetime, owner: CallbackOwner) -> CallbackConfirmation: ...

    async def transfer_to_broker(self) -> bool:
        """True when the broker was reached and the call is being transferred."""
        ...

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        """The broker's free slots in [start, end) (UTC-aware), from the same source the
        workflow validates a booking against."""
        ...

    async def end_call(
        self, result: CallResult, summary: str, callback_at: datetime | None = None
    ) -> None: ...


class DelegatingControl:
    """A CallControl that forwards every call to `inner`: the base of the media server's
    wrappers, which override only what they add (tracking, evaluation records)."""

    def __init__(self, inner: CallControl) -> None:
        self._inner = inner

    async def stage_changed(self, stage: Stage) -> None:
        await self._inner.stage_changed(stage)

    async def opt_out(self) -> None:
        await self._inner.opt_out()

    async def book_appointment(self, slot_start: datetime, product: ProductType) -> BookingConfirmation:
        return await self._inner.book_appointment(slot_start, product)

    async def request_callback(self, callback_at: datetime, owner: CallbackOwner) -> CallbackConfirmation:
        return await self._inner.request_callback(callback_at, owner)

    async def transfer_to_broker(self) -> bool:
        return await self._inner.transfer_to_broker()

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        return await self._inner.free_slots(start, end)

    async def end_call(self, result: CallResult, summary: str, callback_at: datetime | None = None) -> None:
        await self._inner.end_call(result, summary, callback_at)
