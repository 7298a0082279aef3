"""What a live call leaves for its evaluation (A/B outcome counts, the human-review queue): one
record per call, written when the agent reports the call's result. Analytics, not lifecycle: the
outcome itself reaches the workflow through the bridge as always; this record only counts it,
and a failure to write it never touches the call."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from domain.call_control import CallControl, DelegatingControl
from domain.enums import CallResult

log = logging.getLogger(__name__)

Record = Callable[[], Awaitable[None]]


class EvaluatedControl(DelegatingControl):
    """A CallControl that, once the call's result is reported, writes its evaluation record."""

    def __init__(self, inner: CallControl) -> None:
        super().__init__(inner)
        self.record: Record | None = None
        self._recorded = False

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
