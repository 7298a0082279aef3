"""Persona data files, the number -> persona rule, and the callee's turn-taking, tick by tick."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from domain.phone import InvalidPhoneNumber
from sim.callee import Callee
from sim.personas import HANGUP, PERSONA_ORDER, Persona, PersonaError, Reply, load_personas, parse_persona
from sim.registry import NumberRegistry, number_for_persona, persona_name_for_number

TICK = 0.02


def run_until_reply(
    callee: Callee, max_seconds: float = 10.0, playing: bool = False
) -> tuple[str | None, float]:
    elapsed = 0.0
    while elapsed < max_seconds:
        said = callee.step(TICK, agent_playing=playing, speaking=False)
        elapsed += TICK
        if said:
            return said, elapsed
    return None, elapsed


def test_every_documented_persona_has_a_valid_file() -> None:
    personas = load_personas()
    assert sorted(personas) == sorted(PERSONA_ORDER)
    assert personas["busy"].answer == "busy"
    assert personas["no-answer"].answer == "no-answer"
    assert personas["voicemail"].answer == "machine"
    assert personas["talks-over-agent"].barge_in
    assert personas["hangs-up-mid-call"].hangup_after_replies == 2
    assert personas["long-silence"].first_reply_delay_seconds > 3


def test_bad_persona_files_are_rejected_clearly(tmp_path: Path) -> None:
    with pytest.raises(PersonaError, match="name"):
        parse_persona({"answer": "human"})
    with pytest.raises(PersonaError, match="answer"):
        parse_persona({"name": "x", "answer": "maybe"})
    with pytest.raises(PersonaError, match="when"):
        parse_persona({"name": "x", "replies": [{"say": "hi"}]})


def test_numbers_map_to_personas_deterministically() -> None:
    for index, name in enumerate(PERSONA_ORDER):
        number = number_for_persona(name, 3)
        assert persona_name_for_number(number) == name
        assert number.endswith(f"{index:02d}")
    assert persona_name_for_number("+12025550115") == PERSONA_ORDER[0]  # 15 mod 15
    with pytest.raises(PersonaError):
        number_for_persona("nobody")


def test_spoken_dates_read_like_a_person_says_them() -> None:
    from datetime import date

    from sim.registry import spoken_date

    assert spoken_date(date(1961, 3, 4)) == "March 4th, 1961"
    assert spoken_date(date(1970, 1, 1)) == "January 1st, 1970"
    assert spoken_date(date(1980, 2, 22)) == "February 22nd, 1980"
    assert spoken_date(date(1990, 5, 13)) == "May 13th, 1990"


def test_registration_wins_over_the_rule_and_validates_input() -> None:
    registry = NumberRegistry(load_personas())
    number = number_for_persona("agreeable")
    registry.register("(202) 555-0000", "busy", {"first_name": "Kim"})
    assert registry.lookup(number).name == "busy"
    assert registry.lookup(number).facts["first_name"] == "Kim"
    with pytest.raises(PersonaError):
        registry.register(number, "unknown-persona")
    with pytest.raises(InvalidPhoneNumber):
        registry.register("12", "agreeable")


def test_callee_answers_a_question_after_the_agent_stops() -> None:
    callee = Callee(replace(load_personas()["agreeable"], facts={"first_name": "Kim"}))
    callee.heard("Hi, am I speaking with Kim?")
    assert callee.step(TICK, agent_playing=True, speaking=False) is None  # waits for the agent
    said, waited = run_until_reply(callee)
    assert said == "Yes, this is Kim."
    assert waited >= callee.persona.reply_delay_seconds


def test_callee_stays_quiet_after_a_plain_statement() -> None:
    callee = Callee(Persona(name="p"))
    callee.heard("Great, thank you.")
    assert run_until_reply(callee, 2.0)[0] is None


def test_barge_in_persona_answers_while_the_agent_is_still_talking() -> None:
    callee = Callee(Persona(name="p", barge_in=True, replies=(Reply(("zip",), "It's 10001."),)))
    callee.heard("What is your zip code?")
    assert callee.step(TICK, agent_playing=True, speaking=False) == "It's 10001."


def test_once_replies_fire_once_then_fall_through() -> None:
    callee = Callee(
        Persona(name="p", replies=(Reply(("plan",), "How much?", once=True), Reply(("plan",), "Fine.")))
    )
    assert callee.choose("about your plan") == "How much?"
    assert callee.choose("about your plan") == "Fine."


def test_hangup_after_n_replies_and_explicit_hangup_directive() -> None:
    callee = Callee(Persona(name="p", hangup_after_replies=1, replies=(Reply(("?",), "Yes."),)))
    callee.heard("Ready?")
    assert run_until_reply(callee)[0] == "Yes."
    callee.heard("Sure?")
    assert run_until_reply(callee)[0] == HANGUP
    quitter = Callee(Persona(name="q", replies=(Reply(("?",), "Bye. " + HANGUP),)))
    quitter.heard("Anything else?")
    assert run_until_reply(quitter)[0] == "Bye."
    assert quitter.step(TICK, agent_playing=False, speaking=False) == HANGUP


def test_long_silence_waits_before_the_first_answer() -> None:
    persona = load_personas()["long-silence"]
    callee = Callee(persona)
    callee.heard("Is this Alex?")
    _, waited = run_until_reply(callee, 20.0)
    assert waited >= persona.first_reply_delay_seconds


def test_facts_fill_templates_and_missing_facts_do_not_crash() -> None:
    callee = Callee(
        Persona(
            name="p", replies=(Reply(("?",), "I'm {first_name}, born {nope}."),), facts={"first_name": "Ana"}
        )
    )
    callee.heard("Who?")
    assert run_until_reply(callee)[0] == "I'm Ana, born I'm not sure."
