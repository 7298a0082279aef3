"""Checks on every outgoing utterance before it is spoken. A blocked one is replaced by a safe
sentence and counted.

Rules: no price guarantees; a dollar amount only if the pricing tool returned it in this call; a
clock time only if availability (or the caller's own callback) produced it; nothing from the
client record (plan, coverage gaps) before identity is verified; never an SSN or medical detail.
Amounts and times are read in digits ("$24.50", "3 PM") and in words ("twenty-four dollars").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from conversation.context import AgentContext
from conversation.speech_text import number_tokens, to_speech, words_to_int
from conversation.state import CallState
from domain.enums import Stage
from domain.messages import CallingWindow

_GUARANTEE = re.compile(
    r"\b(guarantee[ds]?|guaranteeing|locked[- ]in|lock (it|that|your rate) in|never (go|goes) up|"
    r"won'?t ever (go up|increase|change)|will never (increase|change)|for life|forever|"
    r"promise[ds]?|risk[- ]free|no matter what)\b",
    re.IGNORECASE,
)
_SSN = re.compile(r"\b\d{3}[- ]?\d{2}[- ]?\d{4}\b|\bsocial security\b|\bssn\b", re.IGNORECASE)
_MEDICAL = re.compile(
    r"\b(diagnos\w*|medical (history|record|notes?|condition)|prescri\w*|medication\w*|"
    r"diabet\w*|cancer|surgery|illness|disease|treatment|blood pressure|cholesterol|"
    r"pregnan\w*|therapy|mental health|chronic|symptoms?|health condition)\b",
    re.IGNORECASE,
)
_MERIDIEM = re.compile(r"\b([ap])\.m\.", re.IGNORECASE)
_HOURS = {
    w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[str, ...] = ()


def spoken_amounts(text: str) -> list[Decimal]:
    """Every dollar amount in a spoken-form text ('twenty-four dollars and fifty cents')."""
    tokens = number_tokens(text)
    amounts: list[Decimal] = []
    for i, token in enumerate(tokens):
        if token not in ("dollar", "dollars"):
            continue
        j = i
        while j > 0 and words_to_int([tokens[j - 1]]) is not None:
            j -= 1
        dollars = words_to_int(tokens[j:i])
        if dollars is None:
            dollars = 0 if j == i else None
        if dollars is None:
            continue
        cents = 0
        if i + 2 < len(tokens) and tokens[i + 1] == "and":
            k = i + 2
            while k < len(tokens) and words_to_int([tokens[k]]) is not None:
                k += 1
            if k < len(tokens) and tokens[k] in ("cent", "cents"):
                cents = words_to_int(tokens[i + 2 : k]) or 0
        if j == i and cents == 0:
            amounts.append(Decimal(-1))  # "dollars" with no number: vague, but not a quote
            continue
        amounts.append(Decimal(dollars) + Decimal(cents) / 100)
    return [a for a in amounts if a >= 0]


def spoken_clock_times(text: str) -> set[tuple[int, int]]:
    """(hour24, minute) for every 'three p.m.' / 'ten thirty a.m.' / 'nine oh five a.m.' / 'noon'."""
    found: set[tuple[int, int]] = set()
    for m in _MERIDIEM.finditer(text):
        words = number_tokens(text[: m.start()])[-3:]
        pm = m.group(1).lower() == "p"
        parsed = _clock_words(words)
        if parsed is not None:
            hour, minute = parsed
            found.add(((hour % 12) + (12 if pm else 0), minute))
    if re.search(r"\bnoon\b", text, re.IGNORECASE):
        found.add((12, 0))
    return found


_LOOSE_DIGITS = re.compile(r"\b(\d{1,2}):(\d{2})\b(?!\s*[ap]\.m\.)", re.IGNORECASE)
_OCLOCK = re.compile(r"\b([a-z]+|\d{1,2}) o'?clock\b", re.IGNORECASE)


def loose_clock_times(text: str) -> set[tuple[int, int]]:
    """(hour mod 12, minute) of times said without a.m./p.m.: '10:30', 'three o'clock'."""
    found = {(int(h) % 12, int(m)) for h, m in _LOOSE_DIGITS.findall(text) if int(h) <= 23 and int(m) < 60}
    for word in _OCLOCK.findall(text):
        hour = int(word) if word.isdigit() else _HOURS.get(word.lower())
        if hour is not None and 1 <= hour <= 12:
            found.add((hour % 12, 0))
    return found


def _clock_words(words: list[str]) -> tuple[int, int] | None:
    """The hour and minute spoken just before 'a.m.'/'p.m.' (last up to three words)."""
    if len(words) >= 3 and words[-2] == "oh":
        hour, minute = words_to_int(words[-3:-2]), words_to_int(words[-1:])
        if hour is not None and minute is not None and 1 <= hour <= 12:
            return hour, minute
    if len(words) >= 3 and words[-3] in _HOURS and words[-2] in ("twenty", "thirty", "forty", "fifty"):
        minute = words_to_int(words[-2:])
        if minute is not None and words_to_int(words[-1:]) is not None and minute < 60:
            return _HOURS[words[-3]], minute
    if len(words) >= 2 and words[-2] in _HOURS:
        minute = words_to_int(words[-1:])
        if minute is not None and 10 <= minute < 60:
            return _HOURS[words[-2]], minute
    if words and words[-1] in _HOURS:
        return _HOURS[words[-1]], 0
    if words and words[-1].isdigit() and 1 <= int(words[-1]) <= 12:
        return int(words[-1]), 0
    return None


def _record_terms(context: AgentContext) -> list[str]:
    terms = [context.current_plan] if context.current_plan.strip() else []
    terms.extend(g for g in context.coverage_gaps if g.strip())
    return [t.lower() for t in terms if len(t.strip()) >= 3]


class Guardrails:
    """Stateless rules over (utterance, call state, context)."""

    def __init__(self, context: AgentContext, window: CallingWindow | None = None) -> None:
        self.context = context
        self.window = window or CallingWindow()
        self._zone = ZoneInfo(context.timezone)

    def check(self, text: str, state: CallState) -> Verdict:
        spoken = to_speech(text)
        lowered = spoken.lower()
        reasons: list[str] = []
        if _GUARANTEE.search(spoken):
            reasons.append("price_guarantee")
        if _SSN.search(text) or _SSN.search(spoken):
            reasons.append("ssn")
        if _MEDICAL.search(spoken):
            reasons.append("medical")
        allowed_prices = state.facts.prices
        plan = to_speech(self.context.current_plan) if self.context.current_plan.strip() else ""
        # A plan's own name ("Zero Dollar Dental") is not a quote once the caller is verified.
        amounts = spoken_amounts(spoken.replace(plan, "") if plan and state.verified else spoken)
        if any(a not in allowed_prices for a in amounts):
            reasons.append("unverified_price")
        allowed_times = self._allowed_times(state)
        allowed_12h = {(h % 12, m) for h, m in allowed_times}
        if any(t not in allowed_times for t in spoken_clock_times(spoken)) or any(
            t not in allowed_12h for t in loose_clock_times(spoken)
        ):
            reasons.append("unverified_time")
        if not state.verified:
            if any(re.search(rf"\b{re.escape(term)}\b", lowered) for term in _record_terms(self.context)):
                reasons.append("record_before_verification")
            if amounts:
                reasons.append("record_before_verification")
        return Verdict(ok=not reasons, reasons=tuple(dict.fromkeys(reasons)))

    def _allowed_times(self, state: CallState) -> set[tuple[int, int]]:
        instants: list[datetime] = (
            list(state.facts.slots) + list(state.facts.callback_times) + list(state.facts.caller_times)
        )
        if state.facts.booked_slot:
            instants.append(state.facts.booked_slot)
        if state.proposed_callback:
            instants.append(state.proposed_callback.at)
        allowed = {(i.astimezone(self._zone).hour, i.astimezone(self._zone).minute) for i in instants}
        # The calling hours themselves may be stated ("between eight a.m. and nine p.m.").
        return allowed | {(self.window.start_hour, 0), (self.window.end_hour % 24, 0)}

    def safe_replacement(self, state: CallState, reasons: tuple[str, ...]) -> str:
        """A sentence that is always allowed, chosen for what went wrong."""
        if not state.verified or "record_before_verification" in reasons:
            return "Before I can share any details, I need to confirm I'm speaking with the right person."
        if "unverified_time" in reasons and state.machine.stage in (Stage.SCHEDULE, Stage.CONFIRM):
            return f"Let me check {self.context.broker_name}'s calendar for times that are really open."
        if "ssn" in reasons or "medical" in reasons:
            return "I can't discuss that on this call, but your broker can help with it."
        return f"{self.context.broker_name} can go over the exact details with you."
