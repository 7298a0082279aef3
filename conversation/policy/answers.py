"""Honest answers to direct questions - who is calling, deductibles, 'is it cheaper than what I
have', 'can you guarantee the price', SSNs, medical records - and the news that the client has
died. Emma never guesses: what no tool told her, she says she does not have, and offers the broker."""

from __future__ import annotations

import re

from conversation.agent_data import CoverageLevel
from conversation.nlu.intent import Intent
from conversation.nlu.understand import Understanding
from conversation.policy.base import PolicyBase
from domain.enums import CallResult, ProductType


def disclosure_line(broker_name: str, *, spanish: bool = False) -> str:
    """Said in the same turn whenever the caller asks if Emma is a person, a robot or an AI."""
    if spanish:
        return f"Soy Emma, una asistente de inteligencia artificial, no una persona, y llamo de parte de {broker_name}."
    return f"I'm Emma, an AI assistant, not a person, calling on behalf of {broker_name}."


QUESTION_INTENTS = (
    Intent.SSN,
    Intent.MEDICAL,
    Intent.DEDUCTIBLE,
    Intent.COMPARE,
    Intent.GUARANTEE,
    Intent.PRICE,
    Intent.WHO,
)


class AnswersFlow(PolicyBase):
    async def answer_questions(self, u: Understanding) -> str | None:
        """Answers to every direct question in the words (at most two), or None if there is none."""
        answers: list[str] = []
        for intent in QUESTION_INTENTS:
            if intent in u.intents and len(answers) < 2:
                if intent is Intent.PRICE and u.has(Intent.COMPARE, Intent.GUARANTEE, Intent.DEDUCTIBLE):
                    continue  # the comparison / guarantee answer covers the price
                answers.append(await self._answer(intent, u))
        return " ".join(a for a in answers if a) or None

    async def _answer(self, intent: Intent, u: Understanding) -> str:
        broker = self.ctx.broker_name
        if intent is Intent.SSN:
            return (
                "I don't need any ID numbers, and I'll never ask you for one. "
                "Please don't share it on this call."
            )
        if intent is Intent.MEDICAL:
            return (
                "I don't have access to any of your health records, and I can't discuss them on this call. "
                f"{broker} can help with any questions about that."
            )
        if intent is Intent.WHO:
            if re.search(r"\b(?:sales|scam|legit|legitimate|spam|survey|marketing)\b", u.text):
                return (
                    f"I'm Emma, an AI assistant calling on behalf of {broker}, your insurance broker. "
                    "Nothing is sold on this call, and I'll never ask for payment or ID numbers."
                )
            if self.state.verified:
                return f"I'm Emma, an AI assistant calling on behalf of {broker}, your insurance broker."
            return (
                f"I'm Emma, an AI assistant calling on behalf of {broker}. "
                f"I can tell you more once I've confirmed I'm speaking with {self.ctx.first_name}."
            )
        if not self.state.verified:
            return "I'm happy to go over the details once I've confirmed who I'm speaking with."
        if intent is Intent.DEDUCTIBLE:
            return (
                "I don't have the deductible or benefit details of these plans, so I won't guess. "
                f"{broker} can go over exactly what's covered on the call."
            )
        if intent is Intent.COMPARE:
            quote = await self.quote(u)
            return (
                f"I can't compare it with what you pay now, because I don't see your current costs. {quote} "
                f"{broker} can compare the two with you."
            )
        if intent is Intent.GUARANTEE:
            return (
                "No, I can't. Premiums can change over time, so I can't tell you a price will stay fixed. "
                f"{broker} can explain how the pricing works."
            )
        return await self.quote(u)

    async def quote(self, u: Understanding) -> str:
        products = list(u.products.mentioned) or [self.state.product]
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

    async def deceased(self) -> str:
        await self.end(CallResult.DECLINED)
        if self.state.spanish:
            return "Lo siento mucho. Gracias por decírmelo, y disculpe la molestia. Adiós."
        return (
            "I'm so sorry for your loss. Thank you for letting me know, "
            "and I apologise for the intrusion. Goodbye."
        )

    def switch_product(self, u: Understanding) -> bool:
        """'Not interested in dental, just vision': the offer moves to the product they want."""
        wanted = [p for p in u.products.wanted if p in self.ctx.products]
        if wanted and wanted[0] is not self.state.product:
            self.state.product = wanted[0]
            return True
        refused = set(u.products.refused)
        others: list[ProductType] = [p for p in self.ctx.products if p not in refused]
        if refused and self.state.product in refused and others and wanted:
            self.state.product = others[0]
            return True
        return bool(wanted)
