"""Every outgoing utterance is checked; a blocked one is replaced by a safe one and counted."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from conversation.guardrails import Guardrails, spoken_amounts, spoken_clock_times
from conversation.personas import SIM_CLIENT
from conversation.state import CallState
from tests.conversation.fakes import SIM_NOW, ScriptedLLM, session, text, verified

CONTEXT, _ = SIM_CLIENT.split()


def _verified_state(prices: tuple[str, ...] = (), slots: tuple[datetime, ...] = ()) -> CallState:
    state = CallState(verified=True)
    state.facts.prices.update(Decimal(p) for p in prices)
    state.facts.slots.extend(slots)
    return state


@pytest.mark.parametrize(
    "utterance",
    [
        "That price is guaranteed.",
        "Your rate is locked in forever.",
        "I promise it will never go up.",
        "This price is locked in for life.",
    ],
)
def test_no_price_guarantees(utterance: str) -> None:
    verdict = Guardrails(CONTEXT).check(utterance, _verified_state())
    assert not verdict.ok and "price_guarantee" in verdict.reasons


@pytest.mark.parametrize(
    "utterance", ["It's $19.99 a month.", "It's nineteen dollars and ninety-nine cents a month."]
)
def test_price_only_if_the_pricing_tool_returned_it(utterance: str) -> None:
    guard = Guardrails(CONTEXT)
    assert guard.check(utterance, _verified_state()).reasons == ("unverified_price",)
    assert guard.check(utterance, _verified_state(prices=("19.99",))).ok
    assert guard.check(utterance, _verified_state(prices=("24.50",))).reasons == ("unverified_price",)


def test_time_slot_only_if_availability_returned_it() -> None:
    guard = Guardrails(CONTEXT)
    slot = datetime.fromisoformat("2026-12-01T15:00:00+00:00")  # ten a.m. in New York
    utterance = "Dana is free Tuesday at 10:00 AM."
    assert guard.check(utterance, _verified_state()).reasons == ("unverified_time",)
    assert guard.check(utterance, _verified_state(slots=(slot,))).ok
    assert guard.check("How about three p.m.?", _verified_state(slots=(slot,))).reasons == (
        "unverified_time",
    )


def test_nothing_from_the_record_before_verification() -> None:
    guard = Guardrails(CONTEXT)
    unverified = CallState()
    for utterance in ("You're on the Silver PPO plan.", "Your plan has no dental coverage."):
        assert "record_before_verification" in guard.check(utterance, unverified).reasons
        assert guard.check(utterance, _verified_state()).ok
    assert guard.check("Am I speaking with Maria?", unverified).ok


@pytest.mark.parametrize(
    ("utterance", "reason"),
    [
        ("Your SSN ends in 123-45-6789.", "ssn"),
        ("Can you confirm your social security number?", "ssn"),
        ("I see your diabetes diagnosis.", "medical"),
        ("Are you still on that medication?", "medical"),
    ],
)
def test_never_ssn_or_medical(utterance: str, reason: str) -> None:
    assert reason in Guardrails(CONTEXT).check(utterance, _verified_state()).reasons


def test_spoken_readers() -> None:
    assert spoken_amounts("it is twenty-four dollars and fifty cents, or sixty dollars") == [
        Decimal("24.50"),
        Decimal(60),
    ]
    assert spoken_clock_times("at ten thirty a.m. or three p.m. or noon") == {(10, 30), (15, 0), (12, 0)}


async def test_engine_replaces_and_counts_blocked_model_utterances() -> None:
    llm = ScriptedLLM([text("Dental is $12.00 a month. ", "And that price is guaranteed. ", "Want to book?")])
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn("How much is it?")
    assert [b.reasons for b in result.blocked] == [("unverified_price",), ("price_guarantee",)]
    assert "twelve" not in result.reply_text and "guarantee" not in result.reply_text
    assert "Dana Whitfield can go over the exact details with you." in result.reply_text
    assert result.reply_text.endswith("Want to book?")
    assert len(s.engine.state.blocked) == 2
    # The model's history holds what was said, not what was blocked.
    assert "guaranteed" not in s.engine.history[-1].content


async def test_local_policy_never_trips_a_guardrail_on_any_persona() -> None:
    from conversation.personas import PERSONAS, run_persona

    for persona in PERSONAS.values():
        assert (await run_persona(persona)).blocked == [], persona.name


def test_unverified_record_block_uses_the_verification_replacement() -> None:
    guard = Guardrails(CONTEXT)
    state = CallState()
    verdict = guard.check("Your Silver PPO lacks dental.", state)
    assert guard.safe_replacement(state, verdict.reasons).startswith("Before I can share any details")
    assert SIM_NOW.tzinfo is not None


def test_a_plan_name_with_a_dollar_amount_is_not_a_price_quote() -> None:
    context = CONTEXT.model_copy(update={"current_plan": "$0 Deductible Gold"})
    guard = Guardrails(context)
    assert guard.check("I see you're on $0 Deductible Gold.", _verified_state()).ok
    assert not guard.check("I see you're on $0 Deductible Gold.", CallState()).ok
    assert guard.check("It's $5 more.", _verified_state()).reasons == ("unverified_price",)
