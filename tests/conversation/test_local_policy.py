"""The local deterministic policy completes every flow with no model."""

from __future__ import annotations

from datetime import datetime

import pytest

from conversation.personas import PERSONAS, run_persona
from conversation.speech_text import speak_money
from domain.enums import CallbackOwner, CallResult, Stage
from tests.conversation.fakes import session

DOB_LINE = "Maria Lopez, March 4th, 1961."
RECORD_WORDS = ("silver ppo", "dental", "vision", "lopez", "1961")


@pytest.mark.parametrize("name", sorted(PERSONAS))
async def test_every_persona_reaches_its_outcome(name: str) -> None:
    persona = PERSONAS[name]
    result = await run_persona(persona)
    assert result.outcome is persona.expected, result.transcript
    assert result.final_stage is Stage.CLOSE
    assert result.blocked == []
    assert result.tool_names[-1] == "end_call"


async def test_agreeable_walks_all_seven_stages() -> None:
    result = await run_persona(PERSONAS["agreeable"])
    assert result.stages == [
        Stage.INTRO,
        Stage.VERIFY,
        Stage.PRESENT,
        Stage.QUALIFY,
        Stage.SCHEDULE,
        Stage.CONFIRM,
        Stage.CLOSE,
    ]
    assert "schedule_appointment" in result.tool_names


async def test_price_shopper_hears_only_prices_from_the_pricing_tool() -> None:
    result = await run_persona(PERSONAS["price_shopper"])
    quotes = [
        a.result["monthly_premium"] for a in result.actions if a.name == "get_product_pricing" and a.result
    ]
    assert quotes == ["24.50", "9.80"]
    said = " ".join(t for who, t in result.transcript if who == "emma")
    from decimal import Decimal

    for quote in quotes:
        assert speak_money(Decimal(quote)) in said


STAGE_PREFIXES = {
    Stage.INTRO: [],
    Stage.VERIFY: ["Yes."],
    Stage.PRESENT: ["Yes.", DOB_LINE],
    Stage.QUALIFY: ["Yes.", DOB_LINE, "Sure."],
    Stage.SCHEDULE: ["Yes.", DOB_LINE, "Sure.", "Just me."],
    Stage.CONFIRM: ["Yes.", DOB_LINE, "Sure.", "Just me.", "The first one."],
}


@pytest.mark.parametrize("stage", list(STAGE_PREFIXES))
@pytest.mark.parametrize(
    "words", ["Stop calling me.", "Take me off your list!", "Do not call this number again."]
)
async def test_opt_out_in_any_stage(stage: Stage, words: str) -> None:
    s = session()
    await s.engine.start()
    for line in STAGE_PREFIXES[stage]:
        await s.engine.turn(line)
    assert s.engine.stage is stage
    result = await s.engine.turn(words)
    assert result.ended and result.outcome is CallResult.OPTED_OUT and result.stage is Stage.CLOSE
    assert s.control.opted_out and not s.control.bookings
    assert len([c for c in result.reply_text if c in ".!?"]) == 1
    assert [a.name for a in result.actions if a.kind == "tool"] == ["add_to_dnc", "end_call"]


async def test_confusion_chain_advances_only_while_confused() -> None:
    s = session()
    await s.engine.start()
    first = await s.engine.turn("What?")
    assert first.reply_text.startswith("Sorry, let me put that another way.")
    assert s.engine.state.confusion_level == 1
    await s.engine.turn("Oh, yes, this is me.")  # understood: the chain resets
    assert s.engine.state.confusion_level == 0 and s.engine.stage is Stage.VERIFY
    again = await s.engine.turn("Huh?")
    assert s.engine.state.confusion_level == 1 and "first and last name" in again.reply_text
    simpler = await s.engine.turn("I don't understand.")
    assert simpler.reply_text == "What is your name, and your birthday?"
    example = await s.engine.turn("What do you mean?")
    assert example.reply_text.startswith("For example, you could say")
    assert not any(c.name == "transfer_to_broker" for c in s.control.calls)
    transfer = await s.engine.turn("I'm confused.")
    assert any(c.name == "transfer_to_broker" for c in s.control.calls) and not transfer.ended
    last = await s.engine.turn("What?")
    assert last.ended and last.outcome is CallResult.CALLBACK_REQUESTED
    assert s.control.callbacks[0].owner is CallbackOwner.BROKER


async def test_confused_caller_is_transferred_when_the_broker_is_free() -> None:
    s = session(broker_available_now=True)
    await s.engine.start()
    for line in ("What?", "Huh?", "I don't understand.", "What do you mean?"):
        result = await s.engine.turn(line)
    assert result.ended and result.outcome is CallResult.TRANSFER_REQUESTED


async def test_nothing_from_the_record_before_verification_and_two_failures_end_politely() -> None:
    result = await run_persona(PERSONAS["fails_verification"])
    said = " ".join(t for who, t in result.transcript if who == "emma").lower()
    for word in RECORD_WORDS:
        assert word not in said
    assert "wasn't able to verify" in said
    assert not [n for n in result.tool_names if n not in ("end_call",)]


async def test_price_question_before_verification_is_deferred() -> None:
    s = session()
    await s.engine.start()
    result = await s.engine.turn("How much does it cost?")
    assert "once I've confirmed who I'm speaking with" in result.reply_text
    assert "dollar" not in result.reply_text and s.engine.stage is Stage.INTRO
    assert not any(a.name == "get_product_pricing" for a in s.engine.state.actions)


async def test_name_then_date_of_birth_over_two_turns() -> None:
    s = session()
    await s.engine.start()
    await s.engine.turn("Yes.")
    ask = await s.engine.turn("It's Maria Lopez.")
    assert ask.reply_text == "Thank you. And what is your date of birth?"
    done = await s.engine.turn("March 4th, 1961.")
    assert s.engine.state.verified and done.stage is Stage.PRESENT
    assert "Silver PPO" in done.reply_text


async def test_wrong_person_discloses_nothing_and_asks_for_a_good_time() -> None:
    result = await run_persona(PERSONAS["wrong_person"])
    said = " ".join(t for who, t in result.transcript if who == "emma").lower()
    for word in RECORD_WORDS:
        assert word not in said
    assert "good time to reach them" in said
    assert result.outcome is CallResult.WRONG_PERSON
    assert result.stages == [Stage.INTRO, Stage.CLOSE]


async def test_wrong_person_without_a_time_still_ends_politely() -> None:
    s = session()
    await s.engine.start()
    await s.engine.turn("Wrong number.")
    result = await s.engine.turn("I don't know.")
    assert result.outcome is CallResult.WRONG_PERSON and s.control.ended is not None
    assert s.control.ended[2] is None


async def test_ambiguous_callback_is_confirmed_back_then_booked() -> None:
    s = session()
    await s.engine.start()
    confirm = await s.engine.turn("Can you call me back Thursday around three?")
    assert confirm.reply_text == "Just to confirm, that's Thursday, December third at three p.m., your time?"
    assert not s.control.callbacks
    done = await s.engine.turn("Yes.")
    assert done.outcome is CallResult.CALLBACK_REQUESTED
    assert s.control.callbacks[0].callback_at == datetime.fromisoformat("2026-12-03T20:00:00+00:00")
    assert s.control.callbacks[0].owner is CallbackOwner.AI


async def test_clear_callback_time_is_booked_at_once_and_a_no_asks_again() -> None:
    s = session()
    await s.engine.start()
    done = await s.engine.turn("Not a good time, call me back tomorrow at 2 pm.")
    assert done.ended and "Tuesday, December first at two p.m." in done.reply_text
    s2 = session()
    await s2.engine.start()
    await s2.engine.turn("Call me back tomorrow morning.")
    again = await s2.engine.turn("No.")
    assert again.reply_text == "No problem. What day and time would work better?"
    final = await s2.engine.turn("Friday at 11 am.")
    assert (
        final.outcome is CallResult.CALLBACK_REQUESTED
        and "Friday, December fourth at eleven a.m." in final.reply_text
    )


async def test_callback_outside_calling_hours_is_moved_and_confirmed() -> None:
    s = session()
    await s.engine.start()
    result = await s.engine.turn("Call me back tonight at 10 pm.")
    assert result.reply_text.startswith("I can only call between eight a.m. and nine p.m. your time.")
    assert "Tuesday, December first at eight a.m." in result.reply_text


async def test_broker_busy_means_a_broker_callback() -> None:
    result = await run_persona(PERSONAS["transfer_unavailable"])
    said = " ".join(t for who, t in result.transcript if who == "emma")
    assert "isn't available right now" in said
    assert result.outcome is CallResult.CALLBACK_REQUESTED
    callback = next(a for a in result.actions if a.name == "request_callback")
    assert callback.arguments["owner"] == "broker"


async def test_a_slot_taken_before_confirmation_is_reoffered() -> None:
    s = session()
    await s.engine.start()
    for line in ("Yes.", DOB_LINE, "Sure.", "Just me.", "The first one."):
        await s.engine.turn(line)
    assert s.engine.state.chosen_slot is not None
    s.control.calendar.taken.add(s.engine.state.chosen_slot)
    result = await s.engine.turn("Yes.")
    assert result.reply_text.startswith("I'm sorry, that time was just taken.")
    assert result.stage is Stage.SCHEDULE and not result.ended
    await s.engine.turn("The first one.")
    booked = await s.engine.turn("Yes.")
    assert booked.outcome is CallResult.SCHEDULED


async def test_slot_by_day_and_time_and_neither() -> None:
    s = session()
    await s.engine.start()
    for line in ("Yes.", DOB_LINE, "Sure.", "Just me."):
        offer = await s.engine.turn(line)
    assert "Tuesday, December first at nine a.m." in offer.reply_text
    other = await s.engine.turn("Neither of those.")
    assert "Which works better" in other.reply_text and other.stage is Stage.SCHEDULE
    pick = await s.engine.turn("Tuesday at 9 am please.")
    assert pick.stage is Stage.CONFIRM and "Tuesday, December first at nine a.m." in pick.reply_text


async def test_ineligible_client_is_closed_politely() -> None:
    from conversation.personas import SIM_CLIENT

    s = session(SIM_CLIENT.model_copy(update={"eligible": False}))
    await s.engine.start()
    for line in ("Yes.", DOB_LINE):
        await s.engine.turn(line)
    result = await s.engine.turn("Sure.")
    assert result.outcome is CallResult.DECLINED and "aren't available to you" in result.reply_text


async def test_goodbye_ends_the_call_politely() -> None:
    s = session()
    await s.engine.start()
    await s.engine.turn("Yes.")
    result = await s.engine.turn("Bye.")
    assert (
        result.ended
        and result.outcome is CallResult.DECLINED
        and result.reply_text == "Thank you for your time, goodbye."
    )


async def test_busy_caller_is_asked_for_a_better_time() -> None:
    s = session()
    await s.engine.start()
    result = await s.engine.turn("Yes, but I'm busy.")
    assert result.reply_text == "Of course. When would be a better time to call you back?"
