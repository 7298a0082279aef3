"""CallControl wrappers the session puts around the workflow bridge.

`TrackedControl` lets the session know what the agent told the workflow (so a call that ends without
an outcome is reported as dropped, and the line is closed once the agent has said goodbye) and keeps
a failing bridge from crashing a live call. `NullControl` stands in when no workflow exists (the
benchmark, offline tools).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from domain.call_control import CallControl, DelegatingControl
from domain.enums import CallbackOwner, CallResult, ProductType, Stage
from domain.messages import BookingConfirmation, CallbackConfirmation

log = logging.getLogger(__name__)


class TrackedControl(DelegatingControl):
    """Implements CallControl by delegating; records the stage and whether the call was ended."""

    def __init__(self, inner: CallControl, call_sid: str) -> None:
        super().__init__(inner)
        self._call_sid = call_sid
        self.stage: Stage | None = None
        self.result: CallResult | None = None
        self.ended = asyncio.Event()

    def set_prompt_version(self, version: str) -> None:
        """Recorded on CallEnded (A/B prompts are chosen per call, after the bridge exists)."""
        if hasattr(self._inner, "prompt_version"):
            self._inner.prompt_version = version

    async def stage_changed(self, stage: Stage) -> None:
        self.stage = stage
        try:
            await self._inner.stage_changed(stage)
        except Exception:
            log.exception("stage_changed signal failed", extra={"call_sid": self._call_sid})

    async def end_call(self, result: CallResult, summary: str, callback_at: datetime | None = None) -> None:
        if self.result is not None:
            return  # one verdict per call
        self.result = result
        self.ended.set()
        await self._inner.end_call(result, summary, callback_at)


class NullControl:
    """A CallControl with no workflow behind it: accepts everything, books nothing durable."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def stage_changed(self, stage: Stage) -> None:
        self.events.append(f"stage:{stage.value}")

    async def opt_out(self) -> None:
        self.events.append("opt_out")

    async def book_appointment(self, slot_start: datetime, product: ProductType) -> BookingConfirmation:
        self.events.append("book")
        return BookingConfirmation("local", "local", slot_start, "LOCAL")

    async def request_callback(self, callback_at: datetime, owner: CallbackOwner) -> CallbackConfirmation:
        self.events.append("callback")
        return CallbackConfirmation("local", callback_at, owner)

    async def transfer_to_broker(self) -> bool:
        self.events.append("transfer")
        return False

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        self.events.append("free_slots")
        return []

    async def end_call(self, result: CallResult, summary: str, callback_at: datetime | None = None) -> None:
        self.events.append(f"end:{result.value}")
