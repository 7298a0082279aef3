"""Whole conversations in wording the policy was not written against, each reaching the result a
careful human agent would (and writing DNC only when asked)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversation.personas import Persona, run_persona
from domain.enums import CallResult
from tests.conversation.test_noisy_callers import NOISY_FLOWS

V = "Maria Lopez, March 4 1961"
FLOWS: list[tuple[str, tuple[str, ...], CallResult]] = [
    ("rather you didn't", ("yep that's me", "Maria Lopez, 3-4-1961", "honestly I'd rather you didn't call me anymore"), CallResult.OPTED_OUT),
    ("cross me off", ("Maria here", "lopez, maria - march the fourth sixty-one", "look, cross me off whatever list I'm on"), CallResult.OPTED_OUT),
    ("quit wasting my time", ("yes", V, "quit wasting my time and take me off"), CallResult.OPTED_OUT),
    ("never this number", ("yes", V, "no way, never call this number again"), CallResult.OPTED_OUT),
    ("no-call list", ("yes", V, "sure", "just me", "actually, put me on your no-call list"), CallResult.OPTED_OUT),
    ("not after today", ("yes", V, "please don't call me again after today"), CallResult.OPTED_OUT),
    ("dare", ("yes", V, "don't you dare call me again"), CallResult.OPTED_OUT),
    ("prefer you stop", ("yes", V, "I'd prefer you stop phoning, thanks"), CallResult.OPTED_OUT),
    ("take us off", ("yes", V, "Take us off, please"), CallResult.OPTED_OUT),
    ("fixed income pass", ("uh huh", V, "what's this going to cost me", "I'm on a fixed income, I'll have to pass"), CallResult.DECLINED),
    ("think about it", ("yes", V, "I need to think about it"), CallResult.DECLINED),
    ("not into this", ("who is this", "yes", V, "I'm not really into this"), CallResult.DECLINED),
    ("thursday morning", ("who wants to know?", "yes it's her", "maria lopez, born four march sixty one", "ok go on", "just myself", "do you have anything thursday morning", "the later one", "sounds right"), CallResult.SCHEDULED),
    ("name at greeting", ("this is maria", "march 4 1961", "lopez", "yes", "me and my wife", "how about friday at eleven", "that's fine"), CallResult.SCHEDULED),
    ("whichever sooner", ("yes", "maria lopez 3/4/61", "are you a computer or a real human", "ok", "only me", "whichever is sooner", "yes book it"), CallResult.SCHEDULED),
    ("spelled surname", ("yes", "my name is Maria Lopez, that's L-O-P-E-Z, and my birthday's the fourth of March, sixty-one", "nope"), CallResult.DECLINED),
    ("short year", ("yes", "I was born in '61, March 4th, name's Maria Lopez", "no thanks"), CallResult.DECLINED),
    ("scam question", ("yes", V, "is this a sales call?", "okay sure", "just me", "Friday", "the earlier one", "yes"), CallResult.SCHEDULED),
    ("mornings only", ("yes", V, "sure", "my husband and me", "I can only do mornings", "the second", "yes"), CallResult.SCHEDULED),
    ("wrong maria", ("you got the wrong Maria, I think", "sorry, no idea when"), CallResult.WRONG_PERSON),
    ("at work who's calling", ("She's at work. Who's calling?", "try after 6 tonight"), CallResult.WRONG_PERSON),
    ("getting her", ("Could you hold on, I'm getting her", "it's Maria now", "yes", V, "no thanks"), CallResult.DECLINED),
    ("wife died", ("I'm afraid my wife died last month",), CallResult.DECLINED),
    ("lol sure", ("yes", V, "wait are you a bot", "lol ok sure", "just me", "first", "yes"), CallResult.SCHEDULED),
    ("spanish callback", ("sí, soy yo", "no hablo bien inglés", "sí", "el viernes a las once de la mañana", "sí"), CallResult.CALLBACK_REQUESTED),
    ("spanish no", ("Hola, ¿quién habla?", "no, gracias"), CallResult.DECLINED),
    ("next week tuesday", ("hi", "yes", V, "I'm kind of busy now, try me next week", "Tuesday at 10 am"), CallResult.CALLBACK_REQUESTED),
    *NOISY_FLOWS,
]  # fmt: skip


@pytest.mark.parametrize(("name", "lines", "expected"), FLOWS, ids=[f[0] for f in FLOWS])
async def test_flow(name: str, lines: tuple[str, ...], expected: CallResult) -> None:
    result = await run_persona(Persona(name, lines, expected))
    assert result.outcome is expected, result.transcript
    dnc = "add_to_dnc" in result.tool_names
    assert dnc is (expected is CallResult.OPTED_OUT), result.transcript


async def test_next_week_then_a_weekday_stays_in_that_week() -> None:
    lines = ("yes", V, "I'm kind of busy now, try me next week", "Tuesday at 10 am")
    result = await run_persona(Persona("w", lines, CallResult.CALLBACK_REQUESTED))
    callback = next(a for a in result.actions if a.name == "request_callback" and a.ok)
    assert datetime.fromisoformat(callback.arguments["when"]) == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)


async def test_someone_at_work_gets_who_is_calling_and_a_time_question() -> None:
    result = await run_persona(Persona("w", ("She's at work. Who's calling?",), CallResult.WRONG_PERSON))
    reply = result.transcript[2][1]
    assert "I'm Emma, an AI assistant" in reply and "good time to reach them" in reply
    assert "Silver PPO" not in reply and "dental" not in reply


@pytest.mark.parametrize(
    ("first", "dob"), [("April", "February 14th, 1978"), ("June", "the 3rd of May, 1980")]
)
async def test_a_first_name_that_is_a_month_still_verifies(first: str, dob: str) -> None:
    from datetime import date

    from conversation.personas import SIM_CLIENT

    born = date(1978, 2, 14) if first == "April" else date(1980, 5, 3)
    client = SIM_CLIENT.model_copy(update={"first_name": first, "last_name": "Bowman", "date_of_birth": born})
    lines = (f"Yes, this is {first}.", f"{first} Bowman, {dob}.", "no thanks")
    result = await run_persona(Persona("m", lines, CallResult.DECLINED), client=client)
    assert "you're verified" in result.transcript[4][1], result.transcript


async def test_a_nickname_we_do_not_know_gets_one_check_not_a_wrong_person() -> None:
    lines = ("so it's win", "yes, that's me", V, "no thanks")
    result = await run_persona(Persona("nick", lines, CallResult.DECLINED))
    assert "I'm looking for Maria. Is that you?" in result.transcript[2][1]
    assert result.outcome is CallResult.DECLINED


async def test_a_first_name_said_twice_still_gets_asked_for_the_last_name() -> None:
    lines = (
        "maria maria",
        "my name is Maria",
        "I was born March fourth n- nineteen sixty-one",
        "Lopez",
        "no",
    )
    result = await run_persona(Persona("twice", lines, CallResult.DECLINED))
    said = [t for who, t in result.transcript if who == "emma"]
    assert any("last name" in t for t in said) and any("you're verified" in t for t in said)


async def test_a_surname_that_starts_like_a_month_is_kept() -> None:
    from datetime import date

    from conversation.personas import SIM_CLIENT

    client = SIM_CLIENT.model_copy(
        update={"first_name": "Darnell", "last_name": "Novak", "date_of_birth": date(1951, 4, 22)}
    )
    lines = ("yes", "Darnell, I was born 22 April 1951", "novak", "no")
    result = await run_persona(Persona("nov", lines, CallResult.DECLINED), client=client)
    assert any("you're verified" in t for who, t in result.transcript if who == "emma"), result.transcript
