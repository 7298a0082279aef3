"""What a live call leaves for its evaluation (A/B outcome counts, the human-review queue): one
record per call, written when the agent reports the call's result. Analytics, not lifecycle: the
outcome itself reaches the workflow through the bridge as always; this record only counts it,
and a failure to write it never touches the call."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from domain.call_control import CallControl
from domain.enums import CallbackOwner, CallResult, ProductType, Stage
from domain.messages import BookingConfirmation, CallbackConfirmation

log = logging.getLogger(__name__)

Record = Callable[[], Awaitable[None]]


class EvaluatedControl:
    """A CallControl that, once the call's result is reported, writes its evaluation record."""

    def __init__(self, inner: CallControl) -> None:
        self._inner = inner
        self.record: Record | None = None
        self._recorded = False

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
        if self.record is None or self._recorded:
            return
        self._recorded = True
        try:
            await self.record()
        except Exception as exc:  # analytics must never fail a call
            log.warning("call evaluation record not written: %s", type(exc).__name__)

    def __getattr__(self, name: str) -> object:  # set_prompt_version and friends reach the bridge
        return getattr(self._inner, name)
