"""Callers as a phone line and a recogniser deliver them: fillers inside phrases ("leave like me
alone"), discourse markers in front ("okay so, enough"), 'the' and 'to' misheard ('duh', 'a',
'two', 'too'), tens and units run together ('ninetyseven'), false starts ('half p- past'),
ordinary words beside a name ("this is Maria talking"). Each case was a held-out eval caller
Emma got wrong; the flows check the whole conversation, not only the parse."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from conversation.intents import Intent, understand
from conversation.nlu.dates import parse_date_of_birth
from conversation.nlu.times import parse_time_request
from conversation.personas import Persona, run_persona
from domain.enums import CallResult

TODAY = date(2026, 11, 30)  # a Monday
FIRST, BROKER = "Maria", "Dana Whitfield"
V = "Maria Lopez, March 4 1961"  # the persona record's name and date of birth


def intents(text: str) -> frozenset[Intent]:
    return understand(text, FIRST, BROKER).intents


@pytest.mark.parametrize(
    "text",
    [
        "okay so, enough I'm done",
        "hmm, leave like m- me alone",
        "i'm not interested and i- i don't like want to be contacted again",
        "i'm not intrested and i don't want two be c- contacted again",
        "i'm not interested and i don't er want too be contacted again",
        "well, stop calling me",
        "put me on the do like not call list",
        "I want to be taken taken off your lisp",  # 'list' misheard, too short for the fuzzy repair
        "take me off the least",
        "I already already told you um don't um calling like me",
        "don't keep ringing like us",
        "I'm not interested um and I don't want like too be contacted again",
    ],
)
def test_opt_outs_through_noise(text: str) -> None:
    assert Intent.OPT_OUT in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "do not like call me maria it's mary",  # a name correction with a filler inside
        "don't like cal me Maria, it's Mary",  # ... and 'call' misspelt
        "i have two kids",
        "i need two appointments",
        "i like it",
        "that's the least I can do",
    ],
)
def test_not_opt_outs_through_noise(text: str) -> None:
    assert Intent.OPT_OUT not in intents(text)


@pytest.mark.parametrize(
    ("text", "wanted", "unwanted"),
    [
        ("are you like a real person", Intent.DISCLOSURE, Intent.WANTS_BROKER),
        ("am i speaking like to a real person", Intent.DISCLOSURE, Intent.WANTS_BROKER),
        ("am i speaking to like a real purson", Intent.DISCLOSURE, Intent.WANTS_BROKER),
        ("okay so, is this some kind of bots?", Intent.DISCLOSURE, Intent.AFFIRM),
        ("I'll have two decline, thanks anyway", Intent.DECLINE, Intent.AFFIRM),
        ("no like one called Maria lives here", Intent.WRONG_PERSON, Intent.AFFIRM),
        ("I don't like know any Maria", Intent.WRONG_PERSON, Intent.AFFIRM),
        ("not like interested", Intent.DECLINE, Intent.AFFIRM),
        ("she's on um a line", Intent.SELF_ID, Intent.WRONG_PERSON),
        ("unfortunately Maria isn't with like us anymore", Intent.DECEASED, Intent.SELF_ID),
        ("a one and only", Intent.SELF_ID, Intent.WRONG_PERSON),
        ("that er would be like me", Intent.SELF_ID, Intent.WRONG_PERSON),
    ],
)
def test_what_the_noise_hid(text: str, wanted: Intent, unwanted: Intent) -> None:
    found = intents(text)
    assert wanted in found and unwanted not in found, found


@pytest.mark.parametrize(
    "text",
    ["is like this automated", "be honest, are you a persons", "are you like a robot"],
)
def test_disclosure_questions_through_noise(text: str) -> None:
    assert Intent.DISCLOSURE in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "get back to me December twelfth, 10",
        "okay so, I am on a road road, phone me 3 on this Monday",
        "can you call me on the 3rd",
        "i am too busy",
    ],
)
def test_callback_requests_with_the_time_a_few_words_on(text: str) -> None:
    assert Intent.CALLBACK in intents(text)


@pytest.mark.parametrize(
    ("text", "name"), [("my friends call me Dee", "Dee"), ("everybody calls me Bob", "Bob")]
)
def test_a_nickname_is_a_name_correction(text: str, name: str) -> None:
    u = understand(text, "Darnell", BROKER)
    assert Intent.NAME_CORRECTION in u.intents
    assert u.preferred_name in (name, None)  # the name itself, when the phrase says it plainly


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ten twenty-five, nineteen ninetyseven ninety-seven", date(1997, 10, 25)),
        ("just Robert, zero two twenty-five, nineteen seventyfour seventy-four", date(1974, 2, 25)),
        ("march twentyfifth nineteen sixtytwo", date(1962, 3, 25)),
        ("d o b- b is the 25th o- of o- October, 97", date(1997, 10, 25)),
        ("I came i- into the world on um zero eight twenty-four, nineteen forty-six", date(1946, 8, 24)),
        # stammered numbers: read once when they leave more numbers than a date has
        ("that's ten ten eleven, nineteen forty-five", date(1945, 10, 11)),
        ("ten eleven nineteen nineteen forty-five", date(1945, 10, 11)),
        ("born zero one thirteen thirteen nineteen fifty-six", date(1956, 1, 13)),
        ("born zero five twentysix twenty-six, nineteen ninety-four", date(1994, 5, 26)),
        ("eleven eleven nineteen eighty", date(1980, 11, 11)),  # a real repeat stays
        ("twenty-six november nineteen eighty eighty", date(1980, 11, 26)),
        # the 20th, then the year: not 2019
        ("the birthday's zero nine twenty nineteen sixty-two", date(1962, 9, 20)),
        # the 18th, then the year: not 1819 then 56
        ("like birthday's zero five eighteen nineteen fifty-six", date(1956, 5, 18)),
        ("may eighteen nineteen fifty six", date(1956, 5, 18)),
        # a stammered year before the month: '56 may' is no day, 'may eighteenth' is
        ("francisco um hernández nineteen fiftysix fifty-six may eighteenth", date(1956, 5, 18)),
        # the day, the month, then the century said twice; and the same words as a day of the month
        ("e- elizabeth delacroix the twenty-fourth of june nineteen nineteen fifty", date(1950, 6, 24)),
        ("born June twenty-fourth nineteen nineteen fifty", date(1950, 6, 24)),
        ("june nineteen nineteen fifty", date(1950, 6, 19)),
    ],
)
def test_dates_of_birth_through_noise(text: str, expected: date) -> None:
    assert parse_date_of_birth(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("half p- past eleven in duh morning", time(11, 30)),
        ("Saturday round about half uh past eleven in the morning is best", time(11, 30)),
        ("could you try again ten ten o'clock in the morning on tomorrow", time(10, 0)),
        ("ten ten in the morning", time(10, 10)),  # without o'clock it may be ten past ten
        ("friday at twelve twelve thirty pm", time(12, 30)),  # the hour said twice, then minutes
    ],
)
def test_clock_times_through_noise(text: str, clock: time) -> None:
    assert parse_time_request(text, TODAY).clock == clock


@pytest.mark.parametrize(
    ("text", "twice"),
    [
        ("twelve twelve pm", True),
        ("ten ten in the morning", True),
        ("twelve fifteen pm", False),
        ("nine oh nine", False),
    ],
)
def test_an_hour_said_twice_also_reads_as_the_hour(text: str, twice: bool) -> None:
    """'twelve twelve p.m.' may be 12:12 or a stammered noon: a slot at either fits."""
    request = parse_time_request(text, TODAY)
    assert request.clock is not None
    on_the_hour = datetime.combine(TODAY, time(request.clock.hour))
    assert request.allows(datetime.combine(TODAY, request.clock))
    assert request.allows(on_the_hour) is twice


# Whole conversations: run by tests/conversation/test_policy_flows.py with its own flows.
NOISY_FLOWS: list[tuple[str, tuple[str, ...], CallResult]] = [
    ("word beside the first name", ("this is Maria talking", "March 4 1961", "Lopez", "no thanks"), CallResult.DECLINED),
    ("on the phone", ("it's Maria on the phone", "born march fourth nineteen sixtyone", "Lopez", "no thanks"), CallResult.DECLINED),
    ("came into the world", ("yes", "it's just Maria", "I came into the world on the 4th of March, 61", "Lopez", "no thanks"), CallResult.DECLINED),
    ("okay so enough", ("yes", V, "okay so, enough I'm done"), CallResult.OPTED_OUT),
    ("leave like me alone", ("hmm, leave like m- me alone",), CallResult.OPTED_OUT),
    ("like want", ("yes", V, "sure", "i'm not interested and i- i don't like want to be contacted again"), CallResult.OPTED_OUT),
    ("have two decline", ("yes", V, "I'll have two decline, thanks anyway"), CallResult.DECLINED),
    ("duh later time", ("yes", V, "sure", "just me", "give me duh later time", "yes"), CallResult.SCHEDULED),
    ("a other one", ("yes", V, "sure", "just me", "a other one like please", "yes"), CallResult.SCHEDULED),
    ("lock it in", ("yes", V, "sure", "just me", "the first one", "lock lock it in"), CallResult.SCHEDULED),
    ("callback at the greeting", ("get back to me Friday, 10", "that's a one"), CallResult.CALLBACK_REQUESTED),
    ("like a one", ("get back to me Friday, 10", "that's like a one"), CallResult.CALLBACK_REQUESTED),
    ("nickname at the greeting", ("my friends call me Mari", V, "no thanks"), CallResult.DECLINED),
    ("misspelt name correction", ("don't like cal me Maria, it's Mari", V, "no thanks"), CallResult.DECLINED),
    ("she's on a line", ("she's on a line", V, "no thanks"), CallResult.DECLINED),
    ("in a flesh", ("in a flesh", V, "no thanks"), CallResult.DECLINED),
    # a filler inside the misheard words, or beside who is speaking and which slot
    ("on um a line", ("she's on um a line", V, "no thanks"), CallResult.DECLINED),
    ("a one and only", ("a one and only", V, "no thanks"), CallResult.DECLINED),
    ("would be like me", ("that er would be like me", V, "no thanks"), CallResult.DECLINED),
    ("the other like one", ("yes", V, "sure", "just me", "the other like one please", "yes"), CallResult.SCHEDULED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("said", "utc_hour"), [("tuesday at twelve twelve pm", 17), ("tuesday at ten ten a.m.", 15)]
)
async def test_an_hour_said_twice_books_that_hour(said: str, utc_hour: int) -> None:
    """No slot at 12:12; 'twelve twelve p.m.' is read as noon, confirmed back, then booked."""
    lines = ("yes", V, "sure", "just me", said, "yes")
    result = await run_persona(Persona("hour twice", lines, CallResult.SCHEDULED))
    assert result.outcome is CallResult.SCHEDULED, result.transcript
    booked = next(a for a in result.actions if a.name == "schedule_appointment" and a.ok)
    start = datetime.fromisoformat(booked.arguments["slot_start"]).astimezone(UTC)
    assert (start.day, start.hour, start.minute) == (1, utc_hour, 0), result.transcript


async def test_any_time_after_a_bound_is_not_the_first_slot_offered() -> None:
    """Offered morning slots, "any time after 2" asks for the afternoon, not for "any" slot."""
    lines = ("yes", V, "sure", "just me", "any time after 2", "the first one", "yes")
    result = await run_persona(Persona("after 2", lines, CallResult.SCHEDULED))
    assert result.outcome is CallResult.SCHEDULED, result.transcript
    booked = next(a for a in result.actions if a.name == "schedule_appointment" and a.ok)
    start = datetime.fromisoformat(booked.arguments["slot_start"]).astimezone(UTC)
    # The persona's client lives in New York; 2 p.m. there is 19:00 UTC in winter.
    assert start.hour >= 19, result.transcript
