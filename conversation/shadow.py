"""Shadow mode: a candidate engine (another prompt version, another model) runs beside production
on a live call. It hears every caller turn, never speaks, can change nothing durable (its call
control and data port are sandboxes), and where it would have acted differently - another stage,
other tools, another ending - the difference is logged with stage, tool and outcome names only:
no words, so no PHI.

Each engine keeps its own conversation: the candidate answers the same caller words but from its
own history, as in the shadow testing of Vapi or LiveKit agents. A failing candidate is dropped
for the rest of the call and never affects the caller.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conversation.agent_data import AgentDataPort, Availability, CoverageLevel, EligibilityResult, PriceQuote
from conversation.engine import ConversationEngine, TurnResult
from domain.call_control import CallControl
from domain.enums import CallbackOwner, CallResult, ProductType, Stage
from domain.messages import BookingConfirmation, CallbackConfirmation

logger = logging.getLogger(__name__)


class SandboxControl:
    """CallControl for a shadow engine: answers like the real one would, changes nothing."""

    def __init__(self, real: CallControl) -> None:
        self._real = real

    async def stage_changed(self, stage: Stage) -> None:
        return None

    async def opt_out(self) -> None:
        return None

    async def book_appointment(self, slot_start: datetime, product: ProductType) -> BookingConfirmation:
        return BookingConfirmation("shadow", "shadow", slot_start, "SHADOW")

    async def request_callback(self, callback_at: datetime, owner: CallbackOwner) -> CallbackConfirmation:
        return CallbackConfirmation("shadow", callback_at, owner)

    async def transfer_to_broker(self) -> bool:
        return False

    async def end_call(self, result: CallResult, summary: str, callback_at: datetime | None = None) -> None:
        return None

    async def free_slots(self, start: datetime, end: datetime) -> list[datetime]:
        return await self._real.free_slots(start, end)  # a read: the candidate sees the real calendar


class ReadOnlyData:
    """An AgentDataPort that reads through and writes nothing (no notes from a shadow)."""

    def __init__(self, inner: AgentDataPort) -> None:
        self._inner = inner

    async def eligibility(self, client_id: str, product: ProductType) -> EligibilityResult:
        return await self._inner.eligibility(client_id, product)

    async def pricing(
        self, product: ProductType, coverage_level: CoverageLevel, has_spouse: bool
    ) -> PriceQuote:
        return await self._inner.pricing(product, coverage_level, has_spouse)

    async def availability(self, broker_id: str, start: datetime, end: datetime) -> Availability:
        return await self._inner.availability(broker_id, start, end)

    async def add_note(self, client_id: str, note: str) -> str:
        return "shadow-note"


@dataclass(frozen=True)
class ShadowDifference:
    turn: int
    field: str  # stage | tools | ended | outcome
    production: str
    candidate: str


def _summary(result: TurnResult) -> dict[str, str]:
    return {
        "stage": result.stage.value,
        "tools": ",".join(a.name for a in result.actions if a.kind == "tool"),
        "ended": str(result.ended),
        "outcome": result.outcome.value if result.outcome else "",
    }


class ShadowEngine:
    """Speaks with `production`; runs `candidate` on the same caller turns and records how it
    differs. Everything the media server uses on an engine is delegated to production."""

    def __init__(self, production: ConversationEngine, candidate: ConversationEngine) -> None:
        self.production = production
        self.candidate: ConversationEngine | None = candidate
        self.differences: list[ShadowDifference] = []
        self._turn = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.production, name)

    async def start(self) -> TurnResult:
        result = await self.production.start()
        await self._shadow(lambda c: c.start(), result)
        return result

    async def stream_start(self) -> AsyncIterator[str]:
        async for sentence in self.production.stream_start():
            yield sentence
        assert self.production.last_result is not None
        await self._shadow(lambda c: c.start(), self.production.last_result)

    async def turn(self, caller_text: str) -> TurnResult:
        result = await self.production.turn(caller_text)
        await self._shadow(lambda c: c.turn(caller_text), result)
        return result

    async def stream_turn(self, caller_text: str) -> AsyncIterator[str]:
        async for sentence in self.production.stream_turn(caller_text):
            yield sentence
        assert self.production.last_result is not None
        await self._shadow(lambda c: c.turn(caller_text), self.production.last_result)

    async def hangup(self) -> TurnResult:
        result = await self.production.hangup()
        await self._shadow(lambda c: c.hangup(), result)
        if self.differences:
            logger.info("shadow candidate differed in %d places", len(self.differences))
        return result

    async def _shadow(self, step: Any, production_result: TurnResult) -> None:
        candidate = self.candidate
        if candidate is None or candidate.ended and production_result.ended:
            return
        self._turn += 1
        try:
            theirs = _summary(await step(candidate))
        except Exception as exc:  # the candidate never affects the caller
            logger.warning("shadow candidate failed (%s); dropped for this call", type(exc).__name__)
            self.candidate = None
            return
        ours = _summary(production_result)
        for field, value in ours.items():
            if theirs[field] != value:
                difference = ShadowDifference(self._turn, field, value, theirs[field])
                self.differences.append(difference)
                logger.info(
                    "shadow difference",
                    extra={
                        "turn": difference.turn,
                        "field": field,
                        "production": value,
                        "candidate": theirs[field],
                    },
                )


def shadow_candidate(production: ConversationEngine, candidate_factory: Any) -> ConversationEngine:
    """Build the candidate with sandboxed control and data: `candidate_factory(control, data)`."""
    control = SandboxControl(production.control)
    data = ReadOnlyData(production.tools.data)
    engine: ConversationEngine = candidate_factory(control, data)
    return engine
