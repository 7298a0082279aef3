"""Scheduling from the caller's own times against the calendar the workflow validates, the
calling-window filter for a broker in another zone, and the nets every policy passes through:
opt-out before any model, AI disclosure in the turn, no booking of a slot the caller never chose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversation.agent_data import BrokerCalendar
from conversation.engine import REDACTED_IDENTITY
from conversation.personas import SIM_CLIENT, SIM_NOW
from conversation.session import build_text_session
from domain.broker_slots import WorkingHours
from domain.enums import CallResult, Stage
from tests.conversation.fakes import ScriptedLLM, session, text, tool, verified

DOB = "Maria Lopez, March 4th, 1961"


async def _to_slot_offer(s: object) -> str:
    engine = s.engine  # type: ignore[attr-defined]
    await engine.start()
    for line in ("yes", DOB, "sure", "just me"):
        result = await engine.turn(line)
    return str(result.reply_text)


async def test_slots_come_from_the_call_control() -> None:
    s = session()
    await _to_slot_offer(s)
    assert any(c.name == "free_slots" for c in s.control.calls)


async def test_an_unoffered_free_time_is_checked_confirmed_then_booked() -> None:
    s = session()
    await _to_slot_offer(s)
    confirm = await s.engine.turn("could we do Wednesday at 3:30 instead?")
    assert "Wednesday, December second at three thirty p.m." in confirm.reply_text
    assert not s.control.bookings and confirm.stage is Stage.CONFIRM
    done = await s.engine.turn("yes")
    assert done.outcome is CallResult.SCHEDULED
    assert s.control.bookings[0].slot_start == datetime(2026, 12, 2, 20, 30, tzinfo=UTC)


async def test_a_taken_time_gets_the_nearest_free_ones() -> None:
    taken = datetime(2026, 12, 2, 20, 30, tzinfo=UTC)
    calendar = BrokerCalendar(WorkingHours("America/New_York"), taken={taken})
    s = build_text_session(SIM_CLIENT, clock=lambda: SIM_NOW, calendar=calendar)
    await _to_slot_offer(s)
    reply = (await s.engine.turn("Wednesday at 3:30")).reply_text
    assert "isn't open" in reply and "three p.m." in reply and "four p.m." in reply
    assert s.engine.state.chosen_slot is None


async def test_a_yes_to_two_offered_slots_asks_which() -> None:
    s = session()
    await _to_slot_offer(s)
    reply = (await s.engine.turn("yes")).reply_text
    assert reply.startswith("Which one would you like")
    assert s.engine.state.chosen_slot is None and not s.control.bookings


async def test_refused_slots_are_never_offered_again() -> None:
    s = session()
    await _to_slot_offer(s)
    first = list(s.engine.state.offered)
    await s.engine.turn("neither works")
    second = list(s.engine.state.offered)
    await s.engine.turn("no, none of those either")
    third = list(s.engine.state.offered)
    assert not set(first) & set(second) and not set(first + second) & set(third)


async def test_a_refused_confirmation_is_not_booked() -> None:
    s = session()
    await _to_slot_offer(s)
    await s.engine.turn("the first one")
    chosen = s.engine.state.chosen_slot
    await s.engine.turn("no, that doesn't work")
    assert not s.control.bookings and chosen in s.engine.state.rejected_slots


async def test_callback_is_booked_at_the_confirmed_time() -> None:
    s = session()
    await s.engine.start()
    ask = await s.engine.turn("not now, call me back tomorrow at 5")
    assert "five p.m." in ask.reply_text and not s.control.callbacks
    await s.engine.turn("yes")
    assert s.control.callbacks[0].callback_at == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


async def test_slots_stay_inside_the_clients_calling_window() -> None:
    record = SIM_CLIENT.model_copy(
        update={"timezone": "America/Los_Angeles", "broker_timezone": "America/New_York"}
    )
    now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 8 a.m. in Los Angeles
    s = build_text_session(record, clock=lambda: now)
    await verified(s)
    ok, result = await s.engine.tools.call("check_broker_availability", {"broker_id": "sim-broker-1"})
    assert ok and result["slots"]
    la = ZoneInfo("America/Los_Angeles")
    hours = [datetime.fromisoformat(slot["slot_start"]).astimezone(la).hour for slot in result["slots"]]
    assert all(8 <= hour < 21 for hour in hours), hours
    ny_open = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 9 a.m. New York = 6 a.m. Los Angeles
    assert ny_open not in [datetime.fromisoformat(x["slot_start"]) for x in result["slots"]]


async def test_free_slots_of_the_fake_control_respect_bookings_and_bounds() -> None:
    s = session()
    start, end = SIM_NOW, SIM_NOW + timedelta(days=1)
    slots = await s.control.free_slots(start, end)
    assert slots and all(start <= x < end for x in slots)
    await s.control.book_appointment(slots[0], s.engine.state.product)
    assert slots[0] not in await s.control.free_slots(start, end)
    with pytest.raises(ValueError, match="aware"):
        await s.control.free_slots(datetime(2026, 11, 30), end)


@pytest.mark.parametrize("words", ["stop", "leave me alone", "remove my number", "no me llamen más"])
async def test_the_opt_out_net_runs_before_the_model(words: str) -> None:
    llm = ScriptedLLM([text("Should never be said.")])
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn(words)
    assert llm.requests == [] and result.outcome is CallResult.OPTED_OUT and s.control.opted_out


async def test_disclosure_is_said_before_the_model_answers() -> None:
    llm = ScriptedLLM([text("Happy to help.")])
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn("wait, are you a robot?")
    assert result.reply_text.startswith("I'm Emma, an AI assistant, not a person")
    assert result.reply_text.endswith("Happy to help.")


async def test_disclosure_in_the_local_policy_reasks_the_question() -> None:
    s = session()
    await s.engine.start()
    result = await s.engine.turn("is this a real person?")
    assert "AI assistant" in result.reply_text and result.reply_text.endswith("Am I speaking with Maria?")
    assert s.engine.state.confusion_level == 0


async def test_a_model_cannot_book_a_slot_the_caller_never_chose() -> None:
    s0 = session()
    await verified(s0)
    _, avail = await s0.engine.tools.call("check_broker_availability", {"broker_id": "sim-broker-1"})
    slot = avail["slots"][3]["slot_start"]
    llm = ScriptedLLM(
        [
            tool("check_broker_availability", broker_id="sim-broker-1"),
            text("Dana has a few times this week. Which day suits you?"),
            tool("schedule_appointment", slot_start=slot, product="dental"),
            text("Let me confirm a time with you first."),
        ]
    )
    s = session(llm=llm)
    await verified(s)
    await s.engine.turn("sure, let's find a time")
    await s.engine.turn("yes")  # a yes to a question that named no slot
    assert not s.control.bookings
    refused = [a for a in s.engine.state.actions if a.name == "schedule_appointment"]
    assert refused and not refused[0].ok and "has not chosen" in (refused[0].error or "")


async def test_ssn_digits_never_reach_the_model_history() -> None:
    llm = ScriptedLLM([text("I don't need that.")])
    s = session(llm=llm)
    await verified(s)
    await s.engine.turn("my social is 123-45-6789")
    said = " ".join(m.content for m in s.engine.history)
    assert "6789" not in said and "[number withheld]" in said
    assert s.engine.history[1].content == REDACTED_IDENTITY


@pytest.mark.parametrize(
    ("asked", "then", "booked"),
    [
        ("what about the afternoon of the 2nd", "the second one", datetime(2026, 12, 2, 19, 0, tzinfo=UTC)),
        ("any chance of 9:30 on Friday?", "yep", datetime(2026, 12, 4, 14, 30, tzinfo=UTC)),
        ("I work until 4 every day", "the first", datetime(2026, 11, 30, 21, 0, tzinfo=UTC)),
        ("Tuesday the first at noon", "yes", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("ten tomorrow morning", "yes", datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
        ("morning of the 7th", "the earlier one", datetime(2026, 12, 7, 14, 0, tzinfo=UTC)),
        ("I can only do mornings", "the second", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
    ],
)
async def test_the_callers_own_time_is_what_gets_booked(asked: str, then: str, booked: datetime) -> None:
    s = session()
    await _to_slot_offer(s)
    await s.engine.turn(asked)
    if s.engine.state.pending.value == "slot_choice":
        await s.engine.turn(then)
    result = await s.engine.turn("yes")
    assert result.outcome is CallResult.SCHEDULED, [m.content for m in s.engine.history]
    assert s.control.bookings[0].slot_start == booked
