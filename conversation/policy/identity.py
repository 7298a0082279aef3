"""Greeting and identity: who answered, and verification by full name and date of birth before a
single detail of the record is said. The name may come in pieces over several turns ('Maria' ...
'March 4th 1961' ... 'Lopez'); a first name alone gets one request for the last name."""

from __future__ import annotations

import re
from datetime import date

from conversation.nlu.dates import mentions_date, parse_date_of_birth
from conversation.nlu.intent import Intent
from conversation.nlu.names import has_first_name, looks_like_word, name_words, spoken_name_words
from conversation.nlu.numbers import MONTH_PATTERN, digits
from conversation.nlu.slots import PRODUCT_WORDS
from conversation.nlu.understand import Understanding
from conversation.policy.base import PolicyBase
from conversation.state import Pending
from conversation.tools import advance_stage
from domain.enums import CallResult, Stage

MAX_VERIFY_FAILURES = 2
MAX_VERIFY_REPROMPTS = 3
_INTRODUCES = re.compile(
    r"(?:^|\b(?:this is|it is|i am|my name is|name is|you are speaking (?:to|with)) )([a-z]+)(?: [a-z]+)?$|^([a-z]+) (?:speaking|here)$"
)
_REFUSES = re.compile(
    r"\b(?:not (?:going to |gonna )?(?:give|tell|share|say)|rather not|why do you need|i do not give|"
    r"none of your business|not telling|do not want to (?:give|share|say|tell)|not comfortable|"
    r"i will not (?:give|share|say)|no way)\b"
)


def _without_dates(text: str) -> str:
    """The words of an answer with the date of birth (and any number) taken out."""
    spoken = digits(text)
    # A month is part of the date only next to a number: "April Bowman, February 14th" keeps April.
    spoken = re.sub(
        rf"\b{MONTH_PATTERN}(?=\s+(?:the\s+)?\d)|(?<=\d)(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_PATTERN}(?![a-z])",
        " ",
        spoken,
    )
    spoken = re.sub(r"\b\d+(?:st|nd|rd|th)?\b|[/\-.,]", " ", spoken)
    return re.sub(r"\b(?:of|the|de|del|born|birthday|birth|date|dob|on|in|and|y)\b", " ", spoken)


class IdentityFlow(PolicyBase):
    def opening(self) -> str:
        """Nothing private: the broker's name and the first name asked for, no plan details."""
        self.state.pending = Pending.IDENTITY_CONFIRM
        return (
            f"Hi, this is Emma, an AI assistant calling on behalf of {self.ctx.broker_name}. "
            f"Am I speaking with {self.ctx.first_name}?"
        )

    def _other_name(self, u: Understanding) -> bool:
        """'This is Carlos' to 'Am I speaking with Maria?': someone else introduced themselves."""
        match = _INTRODUCES.search(u.text)
        if not match or u.has(Intent.AFFIRM, Intent.SELF_ID, Intent.NAME_CORRECTION, Intent.CONFUSED):
            return False
        name = match.group(1) or match.group(2)
        return (
            bool(spoken_name_words(name))
            and not looks_like_word(name)
            and not has_first_name(name, self.ctx.first_name)
        )

    async def identity_confirm(self, u: Understanding) -> str | None:
        if parse_date_of_birth(u.utterance.raw, self.clock().date()) is not None:
            await self._start_verify()
            return await self.verify(u)
        negative = u.has(Intent.DENY) and not u.has(Intent.AFFIRM, Intent.SELF_ID)
        said_first = u.mentions_first_name or has_first_name(u.text, self.ctx.first_name)
        if self._other_name(u) and not u.has(Intent.WRONG_PERSON) and not self.state.asked_identity_again:
            self.state.asked_identity_again = True  # a nickname we do not know, or someone else: ask once
            return f"Sorry, I'm looking for {self.ctx.first_name}. Is that you?"
        if u.has(Intent.WRONG_PERSON) or self._other_name(u) or (negative and not said_first):
            self.state.pending = Pending.WRONG_PERSON_TIME
            return "No problem. When would be a good time to reach them?"
        if u.has(Intent.DECLINE) and not u.has(Intent.SELF_ID):
            return await self.decline()
        if u.has(Intent.AFFIRM, Intent.SELF_ID, Intent.NAME_CORRECTION) or said_first:
            await self._start_verify()
            greeting = f"Thanks, {self.state.preferred_name}. " if self.state.preferred_name else "Thanks. "
            if has_first_name(u.text, self.ctx.first_name) and not u.has(Intent.NAME_CORRECTION):
                self.state.verify_buffer = " ".join(  # "this is Maria": the first name is given
                    w for w in spoken_name_words(u.text) if has_first_name(w, self.ctx.first_name)
                )
            others = self._surname_candidates(spoken_name_words(u.text))
            if others and has_first_name(u.text, self.ctx.first_name) and not u.has(Intent.NAME_CORRECTION):
                self.state.verify_buffer = u.utterance.raw  # "Yes, Maria Lopez speaking"
                return (
                    greeting + "Before we go on, I need to verify your identity. What is your date of birth?"
                )
            return (
                greeting + "Before we go on, I need to verify your identity. "
                "Could you please tell me your full name and date of birth?"
            )
        return None

    def _surname_candidates(self, words: list[str]) -> list[str]:
        """Words besides the first name that may be a surname: not an ordinary word, so "this is
        Francisco talking" or "Robert on the phone" still gets the request for the last name (a
        surname that is also a word, like Love, costs one repeat, never a failed check)."""
        return [w for w in words if not has_first_name(w, self.ctx.first_name) and not looks_like_word(w)]

    def _surname_beside_first_name(self) -> bool:
        """A possible surname right after (or before) the first name: "Maria Lopez", "Lopez,
        Maria". Then a mismatch is a mismatch, not a surname we failed to hear."""
        said = _without_dates(self.state.verify_buffer)
        words = name_words(said)
        candidates = set(self._surname_candidates(spoken_name_words(said)))
        for index, word in enumerate(words):
            if has_first_name(word, self.ctx.first_name):
                beside = words[index - 1 : index] + words[index + 1 : index + 2]
                if any(w in candidates for w in beside):
                    return True
        return False

    async def _start_verify(self) -> None:
        await advance_stage(self.state, self.tools.control, Stage.VERIFY)
        self.state.pending = Pending.VERIFY

    async def verify(self, u: Understanding) -> str | None:
        state = self.state
        state.verify_buffer = f"{state.verify_buffer} {u.utterance.raw}".strip()
        dob = parse_date_of_birth(state.verify_buffer, self.clock().date())
        names = spoken_name_words(_without_dates(state.verify_buffer))
        if dob is None:
            return await self._no_date_yet(u, names)
        if not names:
            if state.asked_full_name:
                return await self._check(dob)
            state.asked_full_name = True
            return "Thank you. And your full name, please?"
        # A name given in parts: the first name alone (however often) gets one request for the
        # last name; a surname alone gets one request for the first name.
        has_first = any(has_first_name(w, self.ctx.first_name) for w in names)
        others = self._surname_candidates(names)
        if not state.asked_last_name and (not others or not has_first):
            state.asked_last_name = True
            return (
                "Thank you. And your last name, please?"
                if has_first
                else "Thank you. And your first name, please?"
            )
        return await self._check(dob)

    async def _no_date_yet(self, u: Understanding, names: list[str]) -> str | None:
        state = self.state
        if _REFUSES.search(u.text) or (u.has(Intent.DECLINE, Intent.DENY) and not names):
            state.verify_refusals += 1
            state.verify_buffer = ""
            if state.verify_refusals >= 2 or u.has(Intent.DECLINE):
                await self.end(CallResult.DECLINED)
                return "I understand. I can only go on once I've verified your identity. Thank you, goodbye."
            return (
                "I understand. I ask only so I never share your details with the wrong person. "
                "Could you tell me your full name and date of birth?"
            )
        if not names and not mentions_date(state.verify_buffer) and not u.has(Intent.AFFIRM, Intent.SELF_ID):
            state.verify_buffer = ""
            return None  # not an answer: the confusion chain asks again
        state.verify_reprompts += 1
        if state.verify_reprompts >= MAX_VERIFY_REPROMPTS:
            return await self.verify_failed()
        if mentions_date(u.utterance.raw) and not re.search(
            r"\b(?:19|20)\d{2}\b", digits(state.verify_buffer)
        ):
            return "Thank you. And the year you were born?"
        return "Thank you. And what is your date of birth?"

    async def _check(self, dob: date) -> str:
        state = self.state
        matched = await self.identity.verify(_without_dates(state.verify_buffer), dob)
        if not matched and not state.asked_last_name and not self._surname_beside_first_name():
            # What we took for a surname may have been none ("I came into the world on..."):
            # one request for it before a mismatch counts. The buffer keeps the date said.
            state.asked_last_name = True
            return "Thank you. And your last name, please?"
        state.verify_buffer = ""
        state.verify_reprompts = 0
        state.asked_last_name = state.asked_full_name = False
        if not matched:
            return await self.verify_failed()
        state.verified = True
        await advance_stage(state, self.tools.control, Stage.PRESENT)
        state.pending = Pending.PRESENT
        return self.pitch()

    async def verify_failed(self) -> str:
        state = self.state
        state.verify_failures += 1
        state.verify_buffer = ""
        state.verify_reprompts = 0
        if state.verify_failures >= MAX_VERIFY_FAILURES:
            await self.end(CallResult.VERIFICATION_FAILED)
            return (
                "I'm sorry, I wasn't able to verify your identity, so I can't continue this call. "
                "Thank you for your time, goodbye."
            )
        return "I'm sorry, that doesn't match our records. Could you please repeat your full name and date of birth?"

    def pitch(self) -> str:
        gaps = [g for g in self.ctx.coverage_gaps if g.strip()]
        for product, pattern in PRODUCT_WORDS.items():
            if any(re.search(rf"\b{pattern}\b", g.lower()) for g in gaps):
                self.state.product = product
                break
        plan = (
            f"I see you're on {self.ctx.current_plan}" if self.ctx.current_plan else "I see your current plan"
        )
        if gaps:
            detail = f"{plan}, and it doesn't include {' and '.join(gaps)} coverage."
        else:
            detail = f"{plan}. Many people also add dental or vision coverage."
        return (
            f"Thank you, {self.caller_name}, you're verified. {detail} "
            f"{self.ctx.broker_name} can help you fill that gap. "
            f"Would you like to set up a short call with {self.ctx.broker_name} to go over your options?"
        )
