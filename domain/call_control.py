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

    async def end_call(
        self, result: CallResult, summary: str, callback_at: datetime | None = None
    ) -> None: ...

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        """The broker's free slots in [start, end) (UTC-aware), from the same source the workflow
        validates a booking against."""
        ...
