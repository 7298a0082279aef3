"""The local deterministic policy: intent rules over the caller's words that complete every flow
with no model at all. It is the offline default and the emergency fallback when every provider
fails. It acts only through the ToolBox, so its actions are validated and recorded exactly like
a model's, and its words pass the same guardrails."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from conversation.agent_data import Clock, CoverageLevel
from conversation.context import AgentContext, IdentityVerifier
from conversation.intents import Intent, classify, normalise
from conversation.speech_text import speak_datetime, speak_time
from conversation.state import CallState, Pending
from conversation.time_parse import ResolvedTime, parse_spoken_date, resolve_callback_time
from conversation.tools import ToolBox, advance_stage
from domain.enums import CallbackOwner, CallResult, ProductType, Stage

MAX_VERIFY_FAILURES = 2
MAX_VERIFY_REPROMPTS = 3
SLOTS_PER_OFFER = 2

_PRODUCT_WORDS = {
    ProductType.DENTAL: re.compile(r"\b(dental|dentist|teeth|tooth|cleaning)\b"),
    ProductType.VISION: re.compile(r"\b(vision|eye|eyes|glasses|contacts|optometrist)\b"),
}
_FAMILY = re.compile(r"\b(spouse|wife|husband|partner|family|both|us|we|kids|children)\b")
_SELF_ONLY = re.compile(
    r"\b(just me|only me|myself|just for me|individual|only for me|me alone|just myself)\b"
)
_ORDINALS = {"first": 0, "earlier": 0, "1st": 0, "second": 1, "later": 1, "2nd": 1, "last": 1}


class LocalPolicy:
    name = "local"

    def __init__(
        self, context: AgentContext, identity: IdentityVerifier, tools: ToolBox, clock: Clock
    ) -> None:
        self.ctx = context
        self.identity = identity
        self.tools = tools
        self.state: CallState = tools.state
        self.clock = clock
        self._zone = ZoneInfo(context.timezone)
        self._offered: list[datetime] = []
        self._offer_start = 0

    # --- entry points ---------------------------------------------------------------------

    def opening(self) -> str:
        """Nothing private: the broker's name and the first name asked for, no plan details."""
        self.state.pending = Pending.IDENTITY_CONFIRM
        return (
            f"Hi, this is Emma, an AI assistant calling on behalf of {self.ctx.broker_name}. "
            f"Am I speaking with {self.ctx.first_name}?"
        )

    async def respond(self, text: str) -> str:
        intents = classify(text)
        lowered = normalise(text)
        if Intent.OPT_OUT in intents:
            return await self._opt_out()
        pending = self.state.pending
        if pending is Pending.CALLBACK_CONFIRM:
            reply = await self._callback_confirm(text, intents)
            if reply:
                return reply
        if pending in (Pending.CALLBACK_TIME, Pending.WRONG_PERSON_TIME):
            reply = await self._time_answer(text, intents)
            if reply:
                return reply
        if Intent.WANTS_BROKER in intents:
            self.state.confusion_level = 0
            return await self._transfer()
        if Intent.CALLBACK in intents and Intent.WRONG_PERSON not in intents:
            self.state.confusion_level = 0
            return await self._callback_request(text, self.state.callback_owner)
        if Intent.CONFUSED in intents:
            return await self._confused()
        if Intent.GOODBYE in intents and not intents & {Intent.AFFIRM, Intent.PRICE}:
            await self._end(CallResult.DECLINED)
            return "Thank you for your time, goodbye."
        if Intent.PRICE in intents and not self.state.verified:
            self.state.confusion_level = 0
            return (
                "I'm happy to go over prices once I've confirmed who I'm speaking with. " + self._question()
            )
        handler = {
            Pending.IDENTITY_CONFIRM: self._identity_confirm,
            Pending.VERIFY: self._verify,
            Pending.PRESENT: self._present_answer,
            Pending.COVERAGE: self._coverage_answer,
            Pending.SLOT_CHOICE: self._slot_answer,
            Pending.BOOKING_CONFIRM: self._booking_answer,
        }.get(self.state.pending)
        if handler is None:
            return await self._confused()
        reply = await handler(lowered, intents, text)
        if reply is None:
            return await self._confused()
        self.state.confusion_level = 0
        return reply

    # --- special flows ----------------------------------------------------------------------

    async def _opt_out(self) -> str:
        await self.tools.call("add_to_dnc", {})
        await self._end(CallResult.OPTED_OUT)
        return "Understood, I've removed you from our call list and you won't be called again, goodbye."

    async def _end(self, result: CallResult) -> None:
        await self.tools.call("end_call", {"reason": result.value})
        if not self.state.ended:  # end_call refused (inconsistent state): still close the call
            await advance_stage(self.state, self.tools.control, Stage.CLOSE)
            await self.tools.control.end_call(result, "result forced by local policy", self.state.callback_at)
            self.state.outcome, self.state.ended = result, True

    async def _transfer(self) -> str:
        ok, result = await self.tools.call("transfer_to_broker", {})
        if ok and result.get("transferring"):
            await self._end(CallResult.TRANSFER_REQUESTED)
            return f"Of course. I'm connecting you with {self.ctx.broker_name} now. Please hold."
        self.state.transfer_offered = True
        self.state.callback_owner = CallbackOwner.BROKER
        self.state.pending = Pending.CALLBACK_TIME
        return (
            f"{self.ctx.broker_name} isn't available right now. "
            f"I can have {self.ctx.broker_name} call you back. What day and time works for you?"
        )

    async def _callback_request(self, text: str, owner: CallbackOwner) -> str:
        self.state.callback_owner = owner
        resolved = resolve_callback_time(text, self.clock(), self.ctx.timezone, self.tools.window)
        if resolved is None:
            self.state.pending = Pending.CALLBACK_TIME
            return "Of course. When would be a better time to call you back?"
        return await self._propose_callback(resolved)

    async def _propose_callback(self, resolved: ResolvedTime) -> str:
        spoken = speak_datetime(resolved.local)
        if resolved.ambiguous:
            self.state.proposed_callback = resolved
            self.state.pending = Pending.CALLBACK_CONFIRM
            if resolved.clamped:
                window = self.tools.window
                hours = f"{speak_time(time(window.start_hour))} and {speak_time(time(window.end_hour % 24))}"
                return f"I can only call between {hours} your time. Would {spoken} work?"
            return f"Just to confirm, that's {spoken}, your time?"
        return await self._book_callback(resolved)

    async def _book_callback(self, resolved: ResolvedTime) -> str:
        ok, result = await self.tools.call(
            "request_callback", {"when": resolved.at.isoformat(), "owner": self.state.callback_owner.value}
        )
        if not ok:
            self.state.pending = Pending.CALLBACK_TIME
            return "I'm sorry, I couldn't set that up. What other time would work for you?"
        self.state.proposed_callback = None
        await self._end(CallResult.CALLBACK_REQUESTED)
        who = self.ctx.broker_name if self.state.callback_owner is CallbackOwner.BROKER else "I"
        spoken = speak_datetime(datetime.fromisoformat(result["callback_at"]).astimezone(self._zone))
        return f"Great, {who} will call you back on {spoken}. Thank you, goodbye."

    async def _callback_confirm(self, text: str, intents: set[Intent]) -> str | None:
        proposed = self.state.proposed_callback
        new_time = resolve_callback_time(text, self.clock(), self.ctx.timezone, self.tools.window)
        if new_time is not None and (proposed is None or new_time.at != proposed.at):
            self.state.confusion_level = 0
            return await self._propose_callback(new_time)
        if Intent.AFFIRM in intents and Intent.DENY not in intents and proposed is not None:
            self.state.confusion_level = 0
            return await self._book_callback(proposed)
        if Intent.DENY in intents or Intent.DECLINE in intents:
            self.state.confusion_level = 0
            self.state.pending = Pending.CALLBACK_TIME
            return "No problem. What day and time would work better?"
        return None

    async def _time_answer(self, text: str, intents: set[Intent]) -> str | None:
        resolved = resolve_callback_time(text, self.clock(), self.ctx.timezone, self.tools.window)
        if self.state.pending is Pending.WRONG_PERSON_TIME:
            if resolved is not None:
                self.state.callback_at = resolved.at
                await self._end(CallResult.WRONG_PERSON)
                return "Thank you, we'll try again then. Have a good day, goodbye."
            if intents & {Intent.DENY, Intent.DECLINE, Intent.GOODBYE} or "know" in text.lower():
                await self._end(CallResult.WRONG_PERSON)
                return "No problem. Thank you for your time, goodbye."
            return None
        if resolved is not None:
            self.state.confusion_level = 0
            return await self._propose_callback(resolved)
        if intents & {Intent.DECLINE, Intent.GOODBYE}:
            await self._end(CallResult.DECLINED)
            return "No problem. Thank you for your time, goodbye."
        return None

    async def _confused(self) -> str:
        """rephrase -> simplify -> example -> transfer -> callback, one step per confused turn."""
        self.state.confusion_level += 1
        level = self.state.confusion_level
        if level <= 3:
            return self._variant(level)
        if level == 4:
            ok, result = await self.tools.call("transfer_to_broker", {})
            if ok and result.get("transferring"):
                await self._end(CallResult.TRANSFER_REQUESTED)
                return (
                    f"Let me connect you with {self.ctx.broker_name}, who can explain it better. Please hold."
                )
            self.state.transfer_offered = True
            self.state.callback_owner = CallbackOwner.BROKER
            self.state.pending = Pending.CALLBACK_TIME
            return (
                f"I'm sorry for the confusion. {self.ctx.broker_name} isn't free right now, "
                f"but can call you back. When is a good time, for example tomorrow morning?"
            )
        resolved = resolve_callback_time(
            "tomorrow morning", self.clock(), self.ctx.timezone, self.tools.window
        )
        assert resolved is not None  # "tomorrow morning" always resolves
        if self.state.callback_owner is CallbackOwner.AI and self.state.transfer_offered:
            self.state.callback_owner = CallbackOwner.BROKER
        return await self._book_callback(resolved)

    # --- stage answers ----------------------------------------------------------------------

    async def _identity_confirm(self, lowered: str, intents: set[Intent], text: str) -> str | None:
        if parse_spoken_date(text) is not None:
            await advance_stage(self.state, self.tools.control, Stage.VERIFY)
            self.state.pending = Pending.VERIFY
            return await self._verify(lowered, intents, text)
        if Intent.WRONG_PERSON in intents or (Intent.DENY in intents and Intent.AFFIRM not in intents):
            self.state.pending = Pending.WRONG_PERSON_TIME
            return "No problem. When would be a good time to reach them?"
        if Intent.DECLINE in intents:
            await self._end(CallResult.DECLINED)
            return "I understand. Thank you for your time, goodbye."
        if Intent.AFFIRM in intents:
            await advance_stage(self.state, self.tools.control, Stage.VERIFY)
            self.state.pending = Pending.VERIFY
            return (
                "Thanks. Before we go on, I need to verify your identity. "
                "Could you please tell me your full name and date of birth?"
            )
        return None

    async def _verify(self, lowered: str, intents: set[Intent], text: str) -> str | None:
        dob = parse_spoken_date(text)
        self.state.verify_buffer = f"{self.state.verify_buffer} {text}".strip()
        if dob is None:
            if intents & {Intent.DECLINE, Intent.DENY} and not re.search(r"[a-z]{3,}\s+[a-z]{3,}", lowered):
                await self._end(CallResult.DECLINED)
                return "I understand. I can only go on once I've verified your identity. Thank you, goodbye."
            self.state.verify_reprompts += 1
            if self.state.verify_reprompts >= MAX_VERIFY_REPROMPTS:
                return await self._verify_failed()
            return "Thank you. And what is your date of birth?"
        matched = await self.identity.verify(self.state.verify_buffer, dob)
        self.state.verify_buffer = ""
        self.state.verify_reprompts = 0
        if not matched:
            return await self._verify_failed()
        self.state.verified = True
        await advance_stage(self.state, self.tools.control, Stage.PRESENT)
        self.state.pending = Pending.PRESENT
        return self._pitch()

    async def _verify_failed(self) -> str:
        self.state.verify_failures += 1
        self.state.verify_buffer = ""
        self.state.verify_reprompts = 0
        if self.state.verify_failures >= MAX_VERIFY_FAILURES:
            await self._end(CallResult.VERIFICATION_FAILED)
            return (
                "I'm sorry, I wasn't able to verify your identity, so I can't continue this call. "
                "Thank you for your time, goodbye."
            )
        return "I'm sorry, that doesn't match our records. Could you please repeat your full name and date of birth?"

    def _pitch(self) -> str:
        gaps = [g for g in self.ctx.coverage_gaps if g.strip()]
        for product, pattern in _PRODUCT_WORDS.items():
            if any(pattern.search(g.lower()) for g in gaps):
                self.state.product = product
                break
        plan = (
            f"I see you're on {self.ctx.current_plan}" if self.ctx.current_plan else "I see your current plan"
        )
        if gaps:
            missing = " and ".join(gaps)
            detail = f"{plan}, and it doesn't include {missing} coverage."
        else:
            detail = f"{plan}. Many people also add dental or vision coverage."
        return (
            f"Thank you, {self.ctx.first_name}, you're verified. {detail} "
            f"{self.ctx.broker_name} can help you fill that gap. "
            f"Would you like to set up a short call with {self.ctx.broker_name} to go over your options?"
        )

    async def _present_answer(self, lowered: str, intents: set[Intent], text: str) -> str | None:
        if Intent.PRICE in intents:
            return (
                await self._quote(lowered)
                + f" Would you like to set up a short call with {self.ctx.broker_name}?"
            )
        if Intent.DECLINE in intents or (Intent.DENY in intents and Intent.AFFIRM not in intents):
            return await self._decline()
        if Intent.AFFIRM in intents:
            return await self._qualify()
        return None

    async def _decline(self) -> str:
        await self._end(CallResult.DECLINED)
        return f"I understand, {self.ctx.first_name}. Thank you for your time, and have a great day. Goodbye."

    async def _qualify(self) -> str:
        for product in (self.state.product, *[p for p in self.ctx.products if p is not self.state.product]):
            ok, result = await self.tools.call(
                "get_client_eligibility", {"client_id": self.ctx.client_id, "product_type": product.value}
            )
            if ok and result.get("eligible"):
                self.state.product = product
                await advance_stage(self.state, self.tools.control, Stage.QUALIFY)
                self.state.pending = Pending.COVERAGE
                return "Great. Would the coverage be just for you, or for you and your spouse?"
        await self._end(CallResult.DECLINED)
        return (
            "I'm sorry, it looks like these plans aren't available to you right now. "
            f"{self.ctx.broker_name} will reach out if that changes. Thank you, goodbye."
        )

    async def _quote(self, lowered: str) -> str:
        products = [p for p, pattern in _PRODUCT_WORDS.items() if pattern.search(lowered)] or [
            self.state.product
        ]
        level = self.state.coverage_level or (
            CoverageLevel.FAMILY if self.ctx.has_spouse else CoverageLevel.INDIVIDUAL
        )
        who = "you and your family" if level is CoverageLevel.FAMILY else "just you"
        parts = []
        for product in products:
            ok, result = await self.tools.call(
                "get_product_pricing",
                {"product": product.value, "coverage_level": level.value, "has_spouse": self.ctx.has_spouse},
            )
            if ok:
                parts.append(
                    f"{product.value.capitalize()} coverage for {who} is ${result['monthly_premium']} a month."
                )
        if not parts:
            return f"I don't have that price right now, but {self.ctx.broker_name} can go over it with you."
        return " ".join(parts)

    async def _coverage_answer(self, lowered: str, intents: set[Intent], text: str) -> str | None:
        if Intent.DECLINE in intents:
            return await self._decline()
        if Intent.PRICE in intents:
            return await self._quote(lowered) + " " + self._question()
        if _SELF_ONLY.search(lowered) or re.fullmatch(r"(just |only )?(me|mine)\.?", lowered):
            self.state.coverage_level = CoverageLevel.INDIVIDUAL
        elif _FAMILY.search(lowered):
            self.state.coverage_level = CoverageLevel.FAMILY
        elif Intent.AFFIRM in intents or Intent.DENY in intents:
            self.state.coverage_level = CoverageLevel.INDIVIDUAL
        else:
            return None
        return await self._offer_slots(first=True)

    async def _offer_slots(self, *, first: bool) -> str:
        if first or not self.tools.state.facts.slots:
            ok, _ = await self.tools.call("check_broker_availability", {"broker_id": self.ctx.broker_id})
            if not ok:
                return await self._no_slots()
            self._offer_start = 0
        else:
            self._offer_start += SLOTS_PER_OFFER
        slots = [s for s in self.state.facts.slots if s != self.state.chosen_slot]
        offered = _spread(slots[self._offer_start :], SLOTS_PER_OFFER)
        if not offered:
            return await self._no_slots()
        self._offered = offered
        await advance_stage(self.state, self.tools.control, Stage.SCHEDULE)
        self.state.pending = Pending.SLOT_CHOICE
        spoken = " or ".join(speak_datetime(s.astimezone(self._zone)) for s in offered)
        return f"{self.ctx.broker_name} has time on {spoken}. Which works better for you?"

    async def _no_slots(self) -> str:
        self.state.callback_owner = CallbackOwner.BROKER
        self.state.pending = Pending.CALLBACK_TIME
        return (
            f"I don't see an open time on {self.ctx.broker_name}'s calendar right now. "
            f"I can have {self.ctx.broker_name} call you back instead. What day and time works for you?"
        )

    async def _slot_answer(self, lowered: str, intents: set[Intent], text: str) -> str | None:
        if Intent.DECLINE in intents:
            return await self._decline()
        if Intent.PRICE in intents:
            return await self._quote(lowered) + " " + self._question()
        chosen = self._match_slot(lowered, text)
        if chosen is None and re.search(r"\b(neither|none|no|other|another|different)\b", lowered):
            return await self._offer_slots(first=False)
        if chosen is None and (Intent.AFFIRM in intents or re.search(r"\b(either|any|whichever)\b", lowered)):
            chosen = self._offered[0] if self._offered else None
        if chosen is None:
            return None
        self.state.chosen_slot = chosen
        await advance_stage(self.state, self.tools.control, Stage.CONFIRM)
        self.state.pending = Pending.BOOKING_CONFIRM
        spoken = speak_datetime(chosen.astimezone(self._zone))
        return f"Just to confirm: a call with {self.ctx.broker_name} on {spoken}. Shall I book it?"

    def _match_slot(self, lowered: str, text: str) -> datetime | None:
        for word, index in _ORDINALS.items():
            if re.search(rf"\b{word}\b", lowered) and index < len(self._offered):
                return self._offered[index]
        resolved = resolve_callback_time(text, self.clock(), self.ctx.timezone)
        if resolved is None:
            return None
        wanted = resolved.local
        offered_first = self._offered + [s for s in self.state.facts.slots if s not in self._offered]
        for slot in offered_first:
            local = slot.astimezone(self._zone)
            mentions_day = re.search(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\btomorrow\b", lowered)
            same_day = local.date() == wanted.date() or not mentions_day
            if same_day and (local.hour, local.minute) == (wanted.hour, wanted.minute):
                return slot
        if not _has_clock(lowered):
            return next((s for s in offered_first if s.astimezone(self._zone).date() == wanted.date()), None)
        return None

    async def _booking_answer(self, lowered: str, intents: set[Intent], text: str) -> str | None:
        if Intent.DECLINE in intents:
            return await self._decline()
        if Intent.AFFIRM in intents and Intent.DENY not in intents and self.state.chosen_slot is not None:
            ok, result = await self.tools.call(
                "schedule_appointment",
                {"slot_start": self.state.chosen_slot.isoformat(), "product": self.state.product.value},
            )
            if not ok:
                await advance_stage(self.state, self.tools.control, Stage.SCHEDULE)
                return "I'm sorry, that time was just taken. " + await self._offer_slots(first=True)
            await self._end(CallResult.SCHEDULED)
            return (
                f"You're all set for {result['spoken']}. {self.ctx.broker_name} will call you then, "
                f"and you'll get a confirmation email. Thank you, {self.ctx.first_name}, goodbye."
            )
        if Intent.DENY in intents:
            await advance_stage(self.state, self.tools.control, Stage.SCHEDULE)
            return "No problem. " + await self._offer_slots(first=False)
        return None

    # --- questions and their confusion variants ---------------------------------------------

    def _question(self) -> str:
        return self._variant(0)

    def _variant(self, level: int) -> str:
        """The current question asked plainly (0), rephrased (1), simplified (2), by example (3)."""
        first, broker = self.ctx.first_name, self.ctx.broker_name
        offered = [speak_datetime(s.astimezone(self._zone)) for s in self._offered] or ["the first open time"]
        proposed = (
            speak_datetime(self.state.proposed_callback.local)
            if self.state.proposed_callback
            else "that time"
        )
        chosen = (
            speak_datetime(self.state.chosen_slot.astimezone(self._zone)) if self.state.chosen_slot else ""
        )
        table: dict[Pending, tuple[str, str, str, str]] = {
            Pending.IDENTITY_CONFIRM: (
                f"Am I speaking with {first}?",
                f"I'm Emma, an AI assistant calling for {broker}, and I'm trying to reach {first}. Is that you?",
                f"Are you {first}?",
                f"You can just say yes, this is {first}, or no, wrong person.",
            ),
            Pending.VERIFY: (
                "Could you please tell me your full name and date of birth?",
                "To make sure I'm talking to the right person, please say your first and last name "
                "and the day you were born.",
                "What is your name, and your birthday?",
                "For example, you could say: Jane Smith, born March fourth, nineteen sixty.",
            ),
            Pending.PRESENT: (
                f"Would you like to set up a short call with {broker} to go over your options?",
                f"{broker} can explain coverage that fills the gaps in your plan. Would you like a short call?",
                f"Would you like to talk with {broker}? Yes or no?",
                "You can say yes, set up a call, or no thanks.",
            ),
            Pending.COVERAGE: (
                "Would the coverage be just for you, or for you and your spouse?",
                "Should the coverage include only you, or your spouse as well?",
                "Just you, or you and your spouse?",
                "You can say just me, or me and my spouse.",
            ),
            Pending.SLOT_CHOICE: (
                f"Which works better for you: {' or '.join(offered)}?",
                f"{broker} can call you at one of these times: {' or '.join(offered)}. Which one is better?",
                f"Which time is good for you: {offered[0]}?",
                "You can say the first one, or the second one.",
            ),
            Pending.BOOKING_CONFIRM: (
                f"Shall I book the call on {chosen}?",
                f"Should I put that call on {broker}'s calendar?",
                "Shall I book it? Yes or no?",
                "You can say yes, book it, or no.",
            ),
            Pending.CALLBACK_TIME: (
                "What day and time would be better?",
                "When would you like us to call you back?",
                "When should we call?",
                "For example, you could say tomorrow morning, or Thursday afternoon.",
            ),
            Pending.WRONG_PERSON_TIME: (
                "When would be a good time to reach them?",
                "Is there a better day or time to try again?",
                "When should we call back?",
                "For example, you could say tomorrow evening.",
            ),
            Pending.CALLBACK_CONFIRM: (
                f"Should we call you back on {proposed}?",
                f"Is {proposed} a good time for the call back?",
                f"Is {proposed} okay? Yes or no?",
                "You can say yes, that's fine, or tell me another time.",
            ),
        }
        variants = table.get(self.state.pending, table[Pending.IDENTITY_CONFIRM])
        prefix = "" if level == 0 else ("Sorry, let me put that another way. " if level == 1 else "")
        return prefix + variants[min(level, 3)]


def _spread(slots: list[datetime], count: int) -> list[datetime]:
    """Pick `count` slots on different days when possible, so the choice means something."""
    picked: list[datetime] = []
    days: set[object] = set()
    for slot in slots:
        if slot.date() not in days:
            picked.append(slot)
            days.add(slot.date())
        if len(picked) == count:
            return picked
    for slot in slots:
        if slot not in picked:
            picked.append(slot)
        if len(picked) == count:
            break
    return sorted(picked)


def _has_clock(lowered: str) -> bool:
    return bool(
        re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon)\b", lowered)
    )
