"""The local deterministic policy: completes every flow with no model at all. It is the offline
default and the emergency fallback when every provider fails. It acts only through the ToolBox,
so its actions are validated and recorded exactly like a model's, and its words pass the same
guardrails. Each turn is read once (conversation/nlu) and dispatched: what ends or redirects the
call first, then the question Emma is waiting on, then side questions, then the confusion chain."""

from __future__ import annotations

import re
from dataclasses import replace

from conversation.nlu.intent import Intent
from conversation.nlu.spanish import looks_english, spanish_intents
from conversation.nlu.understand import Understanding
from conversation.policy.answers import QUESTION_INTENTS, AnswersFlow
from conversation.policy.callbacks import CallbackFlow
from conversation.policy.identity import IdentityFlow
from conversation.policy.questions import question
from conversation.policy.scheduling import SchedulingFlow
from conversation.policy.spanish import SpanishFlow
from conversation.state import Pending
from domain.enums import CallbackOwner, CallResult

_SPANISH_PENDING = frozenset({Pending.SPANISH_OFFER, Pending.SPANISH_TIME, Pending.SPANISH_CONFIRM})
_TIME_PENDING = frozenset({Pending.CALLBACK_TIME, Pending.WRONG_PERSON_TIME})
_SCHEDULING = frozenset({Pending.SLOT_CHOICE, Pending.BOOKING_CONFIRM})
_ONLY_ASKING = frozenset({Intent.DISCLOSURE, Intent.WHO, Intent.CONFUSED, Intent.HOLD})
# "lock it in", "pencil me in": booking words that the price-lock question shares.
_BOOK_IT_IN = re.compile(
    r"^(?:(?:ok|okay|yes|yeah|sure|alright|great|perfect|fine|please|just|go ahead and|let us) )*"
    r"(?:lock|pencil|put|book|ink) (?:it|that|me|us|this|that one|this one) in(?: please| then| thanks)?$"
)


class LocalPolicy(IdentityFlow, SchedulingFlow, CallbackFlow, AnswersFlow, SpanishFlow):
    async def respond(self, text: str, *, disclosed: bool = False) -> str:
        """Emma's reply to one caller turn. `disclosed`: the engine has just said she is an AI."""
        u = self.read(text)
        self.state.last_caller_text = text
        if u.has(Intent.OPT_OUT):
            return await self.opt_out()
        if u.has(Intent.DECEASED) and not self.state.verified:
            # Once the client has verified who they are, a death they mention is someone
            # else's ("my husband passed away, so it's just me"): the call goes on.
            return await self.deceased()
        if u.spanish and not self.state.spanish and not self.state.verified:
            return self.acknowledge()
        if self.state.spanish and self.state.pending in _SPANISH_PENDING:
            if not looks_english(u.utterance.words):
                said = spanish_intents(u.utterance.folded)  # yes and no are read the Spanish way here
                english = u.intents - {Intent.DENY, Intent.DECLINE}
                return await self.spanish_answer(replace(u, intents=frozenset(english | said)))
            self.state.spanish = False  # they switched to English: go on in English
            self.state.pending = Pending.IDENTITY_CONFIRM if not self.state.verified else Pending.PRESENT
        reply = await self._dispatch(u, disclosed)
        if reply is None:
            return await self.confused()
        self.state.confusion_level = 0
        return reply

    async def _dispatch(self, u: Understanding, disclosed: bool) -> str | None:
        pending = self.state.pending
        if pending in _SCHEDULING and u.has(Intent.GUARANTEE) and _BOOK_IT_IN.search(u.text):
            # "lock it in" to "shall I book it?" books it; it asks nothing about prices.
            u = replace(u, intents=frozenset((u.intents - {Intent.GUARANTEE}) | {Intent.AFFIRM}))
        if u.has(Intent.NAME_CORRECTION) and u.preferred_name:
            self.state.preferred_name = u.preferred_name
        if pending is Pending.CALLBACK_CONFIRM:
            reply = await self.callback_confirm(u)
            if reply:
                return reply
        if pending in _TIME_PENDING:
            reply = await self.time_answer(u)
            if reply:
                return reply
        if pending is Pending.IDENTITY_CONFIRM and u.has(Intent.WRONG_PERSON, Intent.DECEASED):
            who = await self.answer_questions(u) if u.has(Intent.WHO) else None
            reply = await self.identity_confirm(u)
            return f"{who} {reply}" if who and reply else reply
        if u.has(Intent.WANTS_BROKER):
            return await self.transfer()
        if u.has(Intent.CALLBACK) and not u.has(Intent.WRONG_PERSON):
            if pending not in _SCHEDULING or self._explicit_callback(u):
                owner = CallbackOwner.BROKER if self.state.transfer_offered else self.state.callback_owner
                return await self.callback_request(u, owner)
        if pending is Pending.VERIFY and not u.has(*_ONLY_ASKING, Intent.GOODBYE, *QUESTION_INTENTS):
            reply = await self.verify(u)
            if reply:
                return reply
        answer = None if u.has(Intent.DECLINE) else await self.answer_questions(u)
        if answer:
            return f"{answer} {question(self)}"
        if u.has(Intent.HOLD):
            return "Sure, take your time."
        if disclosed and (u.intents <= _ONLY_ASKING or not u.utterance.words):
            return question(self)
        if u.has(Intent.GOODBYE) and not u.has(Intent.AFFIRM, Intent.PRICE):
            await self.end(CallResult.DECLINED)
            return (
                "Gracias por su tiempo, adiós." if self.state.spanish else "Thank you for your time, goodbye."
            )
        return await self._answer_pending(u)

    def _explicit_callback(self, u: Understanding) -> bool:
        """'Call me back' while choosing a slot; 'I'm busy then' is only a no to that slot."""
        return (
            bool(
                "call" in u.utterance.lemmas and ("back" in u.utterance.words or "later" in u.utterance.words)
            )
            or "good time" in u.text
            or "can not talk" in u.text
        )

    async def _answer_pending(self, u: Understanding) -> str | None:
        pending = self.state.pending
        if pending is Pending.IDENTITY_CONFIRM:
            return await self.identity_confirm(u)
        if pending is Pending.VERIFY:
            return None if u.has(*_ONLY_ASKING) else await self.verify(u)
        if pending is Pending.PRESENT:
            return await self._present_answer(u)
        if pending is Pending.COVERAGE:
            if u.has(Intent.DECLINE):
                return await self.decline()
            return await self.coverage_answer(u)
        if pending is Pending.SLOT_CHOICE:
            if u.has(Intent.DECLINE) and not self.time_request(u).days:
                return await self.decline()
            return await self.slot_answer(u)
        if pending is Pending.BOOKING_CONFIRM:
            if u.has(Intent.DECLINE):
                return await self.decline()
            return await self.booking_answer(u)
        return None

    async def _present_answer(self, u: Understanding) -> str | None:
        switched = self.switch_product(u)
        if switched or (u.has(Intent.AFFIRM) and not u.has(Intent.DECLINE)):
            self.remember_requested_time(u)
            return await self.qualify()
        if u.has(Intent.DECLINE) or (u.has(Intent.DENY) and not u.has(Intent.AFFIRM)):
            return await self.decline()
        if not self.time_request(u).empty:
            self.remember_requested_time(u)  # "how about Monday at 2?": a yes with a time
            return await self.qualify()
        return None
