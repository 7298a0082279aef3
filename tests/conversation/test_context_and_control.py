"""Identity checks, client records, intents and the in-memory call control."""

from __future__ import annotations

import argparse
import io
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from cli.chat import _chat
from conversation.agent_data import BrokerCalendar
from conversation.context import ClientRecord, IdentityCheck, name_matches
from conversation.fake_call_control import FakeCallControl
from conversation.intents import Intent, classify
from conversation.personas import SIM_NOW
from domain.broker_slots import WorkingHours
from domain.call_control import BookingRejected
from domain.enums import CallResult, ProductType


def test_identity_check_compares_without_revealing() -> None:
    check = IdentityCheck("María", "Lopez", date(1961, 3, 4))
    assert check.matches("It's Maria Lopez", "March 4th, 1961")
    assert check.matches("maria lopes", date(1961, 3, 4))  # a small transcription slip
    assert not check.matches("Maria Lopez", "March 5th, 1961")
    assert not check.matches("Maria", "March 4th, 1961")  # the last name is required
    assert not check.matches("Maria Lopez", "no idea")
    assert "1961" not in repr(check) and "Lopez" not in repr(check)
    assert not hasattr(check, "__dict__")


def test_name_matching_edges() -> None:
    assert name_matches("Mary Ann Smith-Jones", "Mary Ann", "Smith-Jones")
    assert not name_matches("Bob Stone", "Maria", "Lopez")
    assert not name_matches("anything", "", "")


def test_client_record_requires_the_fields_a_call_needs() -> None:
    with pytest.raises(ValidationError, match="date_of_birth"):
        ClientRecord.model_validate({"first_name": "A", "last_name": "B", "broker_name": "C"})
    with pytest.raises(ValidationError, match="unknown time zone"):
        ClientRecord.model_validate(
            {
                "first_name": "A",
                "last_name": "B",
                "broker_name": "C",
                "date_of_birth": "1960-01-01",
                "timezone": "Nowhere",
            }
        )


@pytest.mark.parametrize(
    ("words", "intent"),
    [
        ("stop calling me", Intent.OPT_OUT),
        ("Please take me off your list", Intent.OPT_OUT),
        ("do not call again", Intent.OPT_OUT),
        ("can I talk to a real person", Intent.WANTS_BROKER),
        ("how much does it cost", Intent.PRICE),
        ("call me back tomorrow", Intent.CALLBACK),
        ("I don't understand", Intent.CONFUSED),
        ("no thanks, not interested", Intent.DECLINE),
        ("you have the wrong number", Intent.WRONG_PERSON),
    ],
)
def test_intents(words: str, intent: Intent) -> None:
    assert intent in classify(words)


def test_decline_is_not_also_agreement() -> None:
    assert Intent.AFFIRM not in classify("Sure, but no thanks, I'm not interested.")


async def test_fake_call_control_validates_like_the_workflow() -> None:
    calendar = BrokerCalendar(WorkingHours("America/New_York"))
    control = FakeCallControl("b1", calendar, clock=lambda: SIM_NOW)
    slot = calendar.free_between(SIM_NOW, SIM_NOW + timedelta(days=1))[0]
    with pytest.raises(BookingRejected, match="not free"):
        await control.book_appointment(SIM_NOW + timedelta(minutes=7), ProductType.DENTAL)
    booked = await control.book_appointment(slot, ProductType.DENTAL)
    assert booked.slot_start == slot and slot in calendar.taken
    with pytest.raises(BookingRejected, match="already has an appointment"):
        await control.book_appointment(
            calendar.free_between(SIM_NOW, SIM_NOW + timedelta(days=1))[0], ProductType.DENTAL
        )
    other = FakeCallControl("b1", calendar, clock=lambda: SIM_NOW)
    with pytest.raises(BookingRejected, match="not free"):
        await other.book_appointment(slot, ProductType.DENTAL)
    await other.opt_out()
    with pytest.raises(BookingRejected, match="opted out"):
        await other.book_appointment(
            calendar.free_between(SIM_NOW, SIM_NOW + timedelta(days=1))[0], ProductType.DENTAL
        )
    await control.end_call(CallResult.SCHEDULED, "result=scheduled")
    with pytest.raises(RuntimeError, match="twice"):
        await control.end_call(CallResult.SCHEDULED, "again")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_interactive_chat_shows_stage_and_tool_calls() -> None:
    out = io.StringIO()
    args = argparse.Namespace(client=None, client_file=None, llm="local", json=False)
    code = await _chat(args, _Tty("Stop calling me.\n"), out)
    shown = out.getvalue()
    assert code == 0
    assert "(intro) Emma: Hi, this is Emma" in shown
    assert "[tool add_to_dnc({}) ok]" in shown and "[stage -> close]" in shown
    assert "(close) Emma: Understood" in shown and "[call ended: opted_out]" in shown
