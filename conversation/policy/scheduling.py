"""Booking a call with the broker: eligibility, who the coverage is for, slots offered from the
broker's real calendar, and the caller's own times ('Monday at 2', 'Tuesday afternoon', 'anything
after 3') checked against it. Nothing is booked that the caller did not choose and confirm; a slot
the caller turned down is never offered again; a time that is taken gets the nearest free ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from conversation.agent_data import CoverageLevel
from conversation.nlu.intent import Intent
from conversation.nlu.slots import SlotPick, slot_pick
from conversation.nlu.times import TimeRequest, parse_time_request
from conversation.nlu.understand import Understanding
from conversation.policy.base import PolicyBase
from conversation.speech_text import speak_date, speak_time
from conversation.state import Pending
from conversation.tools import advance_stage
from domain.enums import CallbackOwner, CallResult, Stage

SLOTS_PER_OFFER = 2
SEARCH_DAYS = 14


class SchedulingFlow(PolicyBase):
    # --- qualify -------------------------------------------------------------------------------

    async def qualify(self) -> str:
        order = (self.state.product, *[p for p in self.ctx.products if p is not self.state.product])
        for product in order:
            ok, result = await self.tools.call(
                "get_client_eligibility", {"client_id": self.ctx.client_id, "product_type": product.value}
            )
            if ok and result.get("eligible"):
                self.state.product = product
                await advance_stage(self.state, self.tools.control, Stage.QUALIFY)
                self.state.pending = Pending.COVERAGE
                return "Great. Would the coverage be just for you, or for you and your spouse?"
        await self.end(CallResult.DECLINED)
        return (
            "I'm sorry, it looks like these plans aren't available to you right now. "
            f"{self.ctx.broker_name} will reach out if that changes. Thank you, goodbye."
        )

    async def coverage_answer(self, u: Understanding) -> str | None:
        if u.coverage is not None:
            self.state.coverage_level = CoverageLevel(u.coverage)
        elif u.has(Intent.AFFIRM, Intent.DENY):
            self.state.coverage_level = CoverageLevel.INDIVIDUAL
        else:
            return None
        self.remember_requested_time(u)
        return await self.offer_slots()

    def remember_requested_time(self, u: Understanding) -> None:
        request = self.time_request(u)
        if not request.empty:
            self.state.requested_time = request

    def time_request(self, u: Understanding) -> TimeRequest:
        return parse_time_request(u.utterance.raw, self.local(self.clock()).date())

    # --- offering ------------------------------------------------------------------------------

    async def _availability(self, **arguments: Any) -> list[datetime] | None:
        ok, result = await self.tools.call(
            "check_broker_availability", {"broker_id": self.ctx.broker_id, **arguments}
        )
        if not ok:
            return None
        return [datetime.fromisoformat(s["slot_start"]).astimezone(UTC) for s in result["slots"]]

    def _open(self, slots: list[datetime]) -> list[datetime]:
        return [s for s in slots if s not in self.state.rejected_slots]

    async def offer_slots(self) -> str:
        """The first offer: what the caller asked for if they named a time, else two spread slots."""
        if self.state.requested_time is not None:
            request, self.state.requested_time = self.state.requested_time, None
            return await self.requested(request)
        slots = await self._availability()
        if slots is None:
            return await self.no_slots()
        offered = _spread(self._open(slots), SLOTS_PER_OFFER)
        if not offered:
            more = await self._availability(date_range=self._range(SEARCH_DAYS))
            offered = _spread(self._open(more or []), SLOTS_PER_OFFER)
        if not offered:
            return await self.no_slots()
        return await self._offer(offered, f"{self.ctx.broker_name} has time on")

    async def _offer(self, offered: list[datetime], lead: str) -> str:
        self.state.offered = offered
        await advance_stage(self.state, self.tools.control, Stage.SCHEDULE)
        self.state.pending = Pending.SLOT_CHOICE
        spoken = " or ".join(self.spoken(s) for s in offered)
        if len(offered) == 1:
            return f"{lead} {spoken}. Does that work for you?"
        return f"{lead} {spoken}. Which works better for you?"

    async def offer_more(self) -> str:
        """The caller turned the offered times down: they are never offered again."""
        self.state.rejected_slots.update(self.state.offered)
        slots = await self._availability(date_range=self._range(SEARCH_DAYS))
        offered = _spread(self._open(slots or []), SLOTS_PER_OFFER)
        if not offered:
            return await self.no_slots()
        return await self._offer(offered, f"No problem. {self.ctx.broker_name} also has")

    async def no_slots(self) -> str:
        self.state.callback_owner = CallbackOwner.BROKER
        self.state.pending = Pending.CALLBACK_TIME
        return (
            f"I don't see an open time on {self.ctx.broker_name}'s calendar right now. "
            f"I can have {self.ctx.broker_name} call you back instead. What day and time works for you?"
        )

    def _range(self, days: int, first: date | None = None, last: date | None = None) -> dict[str, str]:
        today = self.local(self.clock()).date()
        start = max(first or today, today)
        end = last or (start + timedelta(days=days))
        end = min(max(end, start), start + timedelta(days=SEARCH_DAYS))
        return {"start": start.isoformat(), "end": end.isoformat()}

    # --- the caller's own time -----------------------------------------------------------------

    async def requested(self, request: TimeRequest) -> str:
        """A time the caller named: book-able if free (confirmed first), else the nearest slots."""
        days = request.days or ()
        within = self._range(SEARCH_DAYS, days[0] if days else None, days[-1] if days else None)
        if request.next_week and not days:
            today = self.local(self.clock()).date()
            monday = today + timedelta(days=7 - today.weekday())
            within = self._range(6, monday, monday + timedelta(days=6))
        if request.clock is not None:
            return await self._requested_clock(request, within)
        arguments: dict[str, Any] = {"date_range": within}
        if request.earliest is not None:
            arguments["earliest"] = request.earliest.isoformat()
        if request.latest is not None:
            arguments["latest"] = request.latest.isoformat()
        slots = self._open(
            [s for s in await self._availability(**arguments) or [] if request.allows(self.local(s))]
        )
        if slots:
            return await self._offer(_spread(slots, SLOTS_PER_OFFER), f"{self.ctx.broker_name} has")
        nearest = self._open(await self._availability(date_range=self._range(SEARCH_DAYS)) or [])
        if not nearest:
            return await self.no_slots()
        return await self._offer(
            _spread(nearest, SLOTS_PER_OFFER),
            f"I'm sorry, {self.ctx.broker_name} has nothing open then. The nearest open times are",
        )

    async def _requested_clock(self, request: TimeRequest, within: dict[str, str]) -> str:
        assert request.clock is not None
        wanted_days = list(request.days or [])
        # The caller's own words may name a slot they turned down before: that is their choice.
        known = [s for s in self.state.offered + self.state.facts.slots if request.allows(self.local(s))]
        if len(set(known)) == 1 or (known and not wanted_days):
            return await self.choose(known[0])
        day = wanted_days[0] if wanted_days else self._next_day_with(request.clock)
        near = datetime.combine(day, request.clock, self._zone).astimezone(UTC)
        slots = await self._availability(date_range=within, near=near.isoformat()) or []
        exact = sorted(  # 'twelve twelve': a 12:12 slot before the 12:00 one
            (s for s in slots if request.allows(self.local(s))),
            key=lambda s: self.local(s).minute != request.clock.minute,  # type: ignore[union-attr]
        )
        if exact:
            return await self.choose(exact[0])
        slots = self._open(slots)
        if not slots:
            return await self.no_slots()
        nearest = sorted(sorted(slots, key=lambda s: abs(s - near))[:SLOTS_PER_OFFER])
        self.state.facts.caller_times.add(near)  # read back as the caller's own words, not an offer
        asked = f"{speak_date(self.local(near))} at {speak_time(request.clock)}"
        return await self._offer(nearest, f"I'm sorry, {asked} isn't open. The nearest open times are")

    def _next_day_with(self, clock: time) -> date:
        now = self.local(self.clock())
        return now.date() if now.time() < clock else now.date() + timedelta(days=1)

    async def choose(self, slot: datetime) -> str:
        """The caller picked a slot: confirm it back before booking."""
        self.state.chosen_slot = slot
        await advance_stage(self.state, self.tools.control, Stage.SCHEDULE)
        await advance_stage(self.state, self.tools.control, Stage.CONFIRM)
        self.state.pending = Pending.BOOKING_CONFIRM
        return f"Just to confirm: a call with {self.ctx.broker_name} on {self.spoken(slot)}. Shall I book it?"

    # --- answers to an offer and to the confirmation ------------------------------------------

    async def slot_answer(self, u: Understanding) -> str | None:
        request = self.time_request(u)
        pick = slot_pick(u.text, len(self.state.offered), dated=bool(request.days or request.clock))
        if isinstance(pick, int) and pick < len(self.state.offered):
            return await self.choose(self.state.offered[pick])
        bounded = request.earliest is not None or request.latest is not None or request.part is not None
        if not request.empty and (
            bounded or not (request.days is None and request.clock is None and pick is not None)
        ):
            return await self.requested(request)  # "any time after 2": the bound, not "any"
        if pick is SlotPick.NONE or (u.has(Intent.DENY) and not u.has(Intent.AFFIRM)):
            return await self.offer_more()
        if pick is SlotPick.ANY or (u.has(Intent.AFFIRM) and len(self.state.offered) == 1):
            return await self.choose(self.state.offered[0]) if self.state.offered else None
        if u.has(Intent.AFFIRM) and len(self.state.offered) > 1:
            spoken = " or ".join(self.spoken(s) for s in self.state.offered)
            return f"Which one would you like: {spoken}?"
        return None

    async def booking_answer(self, u: Understanding) -> str | None:
        slot = self.state.chosen_slot
        request = self.time_request(u)
        pick = slot_pick(u.text, len(self.state.offered), dated=bool(request.days or request.clock))
        if u.has(Intent.AFFIRM) and not u.has(Intent.DENY) and slot is not None:
            if request.clock is not None and not request.allows(self.local(slot)):
                return await self.requested(request)  # "yes, but make it 3 instead"
            return await self._book(slot)
        if isinstance(pick, int) and pick < len(self.state.offered) and self.state.offered[pick] != slot:
            return await self.choose(self.state.offered[pick])
        if not request.empty and (request.clock is not None or request.days):
            return await self.requested(request)
        if u.has(Intent.DENY) or pick is SlotPick.NONE:
            if slot is not None:
                self.state.rejected_slots.add(slot)
            self.state.chosen_slot = None
            await advance_stage(self.state, self.tools.control, Stage.SCHEDULE)
            return await self.offer_more()
        return None

    async def _book(self, slot: datetime) -> str:
        ok, result = await self.tools.call(
            "schedule_appointment", {"slot_start": slot.isoformat(), "product": self.state.product.value}
        )
        if not ok:
            self.state.rejected_slots.add(slot)
            self.state.chosen_slot = None
            await advance_stage(self.state, self.tools.control, Stage.SCHEDULE)
            return "I'm sorry, that time was just taken. " + await self.offer_more()
        await self.end(CallResult.SCHEDULED)
        return (
            f"You're all set for {result['spoken']}. {self.ctx.broker_name} will call you then, "
            f"and you'll get a confirmation email. Thank you, {self.caller_name}, goodbye."
        )


def _spread(slots: list[datetime], count: int) -> list[datetime]:
    """Pick `count` slots on different days when possible, so the choice means something; on one
    day, times a couple of hours apart rather than back to back."""
    ordered = sorted(slots)
    if ordered and all(s.date() == ordered[0].date() for s in ordered):
        picked_day = [ordered[0]]
        for slot in ordered[1:]:
            if len(picked_day) < count and slot - picked_day[-1] >= timedelta(hours=2):
                picked_day.append(slot)
        for slot in ordered:
            if len(picked_day) < count and slot not in picked_day:
                picked_day.append(slot)
        return sorted(picked_day)
    picked: list[datetime] = []
    days: set[date] = set()
    for slot in sorted(slots):
        if slot.date() not in days:
            picked.append(slot)
            days.add(slot.date())
        if len(picked) == count:
            return sorted(picked)
    for slot in sorted(slots):
        if slot not in picked:
            picked.append(slot)
        if len(picked) == count:
            break
    return sorted(picked)
