"""Callers in their own words, beyond the eval generator's phrase banks: ways of asking to be
taken off ('I'd like to be removed', 'I no longer want these calls'), requests that only sound
like one ('don't call me on weekends', 'I never said stop calling', 'don't call my cell, call my
home number'), someone else answering ('Maria is my mother', 'Maria's at work'), and a yes
under a doubt ('I don't think I'm interested'). Each case was found by probing the understanding
with new phrasings; the flows check that Emma acts on them in the turn they are said."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from conversation.intents import Intent, understand
from conversation.nlu.dates import parse_date_of_birth
from conversation.nlu.names import name_matches
from conversation.nlu.times import parse_time_request
from conversation.personas import Persona, run_persona
from domain.enums import CallResult
from tests.conversation.test_noisy_callers import BROKER, FIRST, V, intents

TODAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    "text",
    [
        # 'get'/'take' after "don't want to" is no negated "take me off"
        "i dont want to get any more calls from you",
        "i don't want to get these calls",
        "i don't want to take these calls anymore",
        "i don't want to get called",
        # taken off with no list named
        "i'd like to be removed please",
        "i'd like to be taken off",
        "i want to be removed",
        "please have me removed",
        "can i be removed",
        "i'd like my number removed",
        "i want my name taken off",
        "i asked to be taken off",
        # 'no longer', 'rather not'
        "i no longer want these calls",
        "i no longer wish to be contacted",
        "i'd rather not get these calls",
        "don't call my house",
        "cancel my number",
        "don't call me now or ever again",  # a time, and then not at any time
    ],
)
def test_opt_outs_in_the_callers_words(text: str) -> None:
    assert Intent.OPT_OUT in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        # a veto the classifier must not take back
        "i never said stop calling",
        "i never said to stop calling",
        "i don't want you to stop calling",
        "don't remove my number, i still want updates",
        "don't take me off the list",
        # when, not whether
        "don't call me on weekends",
        "don't call me evenings",
        "don't call me at lunch",
        "don't call me now i'm at work",
        "i'm busy, don't call me now, call me tonight",
        # where, not whether
        "don't call my cell, call my home number",
        "don't call this number call my cell",
        # going ahead now
        "no need to call me back, let's do it now",
        "you don't need to call back, i'm ready now",
        "i don't want a callback today, let's do it now",
        # everyday words that are not about calls
        "i don't want to take up your time",
        "i don't want to get it wrong",
        "i no longer have dental",
    ],
)
def test_not_opt_outs_in_the_callers_words(text: str) -> None:
    assert Intent.OPT_OUT not in intents(text)


def test_a_name_correction_with_please_before_the_name() -> None:
    said = understand("do not call me bobby please, robert", "Bob", BROKER).intents
    assert Intent.NAME_CORRECTION in said and Intent.OPT_OUT not in said


@pytest.mark.parametrize(
    "text",
    [
        "no, maria is my mother",
        "no maria's my mom",
        "maria's at work",
        "maria's not available",
        "this is maria's daughter",
        "i'm maria's husband",
        "nobody named maria",
        "never heard of a maria",
        "her husband",
        "husband here",
    ],
)
def test_someone_else_answers(text: str) -> None:
    assert Intent.WRONG_PERSON in intents(text) and Intent.SELF_ID not in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "i don't think i'm interested",
        "i'm not sure i'm interested",
        "i don't know if i'm interested",
        "i doubt i'm interested",
        "i don't think that would work for me",
        "i don't think that sounds good",
    ],
)
def test_a_yes_under_a_doubt_is_a_decline(text: str) -> None:
    assert Intent.DECLINE in intents(text) and Intent.AFFIRM not in intents(text)


@pytest.mark.parametrize("text", ["i think i'm interested", "i'm sure that would work", "that sounds good"])
def test_a_plain_yes_stays_a_yes(text: str) -> None:
    assert Intent.AFFIRM in intents(text)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (("yes", V, "i'd like to be removed please"), CallResult.OPTED_OUT),
        (("yes", V, "i no longer want these calls"), CallResult.OPTED_OUT),
        (("yes", V, "i don't want to get these calls"), CallResult.OPTED_OUT),
        (("yes", V, "i don't think i'm interested"), CallResult.DECLINED),
        (
            ("yes", V, "sure", "just me", "don't call me on weekends, the first one is fine", "yes"),
            CallResult.SCHEDULED,
        ),
    ],
)
async def test_emma_acts_on_them(lines: tuple[str, ...], expected: CallResult) -> None:
    result = await run_persona(Persona("own words", lines, expected))
    assert result.outcome is expected, result.transcript


@pytest.mark.parametrize("said", ["no, maria is my mother", "maria's at work", "i'm maria's husband"])
async def test_a_relative_is_asked_when_to_call_not_verified(said: str) -> None:
    """Someone else answered: Emma asks when to reach the client and never starts verification."""
    result = await run_persona(Persona("relative", (said,), CallResult.WRONG_PERSON))
    reply = result.transcript[2][1]
    assert "good time to reach them" in reply, result.transcript
    assert "verify" not in reply and "date of birth" not in reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a stammered tens word: the month counts among the parts said
        ("april ninth sixty sixty one", date(1961, 4, 9)),
        ("march fourth sixty s- sixty one", date(1961, 3, 4)),
        ("june sixteenth nineteen fifty fifty two", date(1952, 6, 16)),
        # number words heard as other words
        ("march twenty for nineteen sixty one", date(1961, 3, 24)),
        ("march four nineteen sixty won", date(1961, 3, 4)),
        ("march second nineteen sixty to", date(1962, 3, 2)),
        ("march forth 1961", date(1961, 3, 4)),
        ("august ate nineteen sixty", date(1960, 8, 8)),
        # a correction: what comes after it was meant
        ("march fourth nineteen sixty-one, no, sixty-two", date(1962, 3, 4)),
        ("three four sixty one i mean sixty two", date(1962, 3, 4)),
        ("june first sixty nine, wait no, june second", date(1969, 6, 2)),
        ("march 4, sorry, 1961", date(1961, 3, 4)),
        ("Maria Lopez, no middle name, March 4 1961", date(1961, 3, 4)),
        # years digit by digit, 'and', slashes said, digits run together
        ("march fourth nineteen six one", date(1961, 3, 4)),
        ("april ninth one nine seven seven", date(1977, 4, 9)),
        ("july twenty three, nineteen and seventy two", date(1972, 7, 23)),
        ("four slash nine slash seventy seven", date(1977, 4, 9)),
        ("04091977", date(1977, 4, 9)),
    ],
)
def test_dates_of_birth_in_the_callers_words(text: str, expected: date) -> None:
    assert parse_date_of_birth(text, TODAY) == expected


D = date  # days in the expectations below; TODAY is a Friday
TIME_CASES = [
    ("twenty past three monday", {"clock": time(15, 20)}),
    ("twenty minutes to five", {"clock": time(16, 40)}),
    ("five minutes after three on monday", {"clock": time(15, 5)}),
    # a bare "10 to 12" is a range, "december 10 after 2" a day and a bound
    ("monday 10 to 12", {"clock": None, "earliest": time(10), "latest": time(12)}),
    ("december 10 after 2", {"clock": None, "earliest": time(14), "days": (D(2026, 12, 10),)}),
    ("i'm busy 1 to 3", {"earliest": time(15), "latest": None}),
    ("tomorrow, no later than 3", {"earliest": None, "latest": time(15)}),
    ("monday, no earlier than 10", {"earliest": time(10), "latest": None}),
    ("quarter of four on monday", {"clock": time(15, 45)}),
    ("monday after two thirty", {"clock": None, "earliest": time(14, 30)}),  # a bound with minutes
    ("around noonish tuesday", {"clock": time(12, 0)}),
    ("tuesday around two-ish", {"clock": time(14, 0)}),
    ("thursday fourish", {"clock": time(16, 0)}),
    ("three-thirty tuesday", {"clock": time(15, 30)}),
    ("tuesday at too", {"clock": time(14, 0)}),
    ("in twenty minutes", {"delay": timedelta(minutes=20)}),
    ("in half an hour", {"delay": timedelta(minutes=30)}),
    ("in a couple hours", {"delay": timedelta(hours=2)}),
    ("give me like twenty minutes", {"delay": timedelta(minutes=20)}),
    ("in an hour and a half", {"delay": timedelta(hours=1, minutes=30)}),
    ("wednesday from two to four", {"earliest": time(14), "latest": time(16)}),
    ("nine to five", {"earliest": time(9), "latest": time(17)}),
    ("call me in 2 to 3 days", {"earliest": None, "latest": None}),  # a count, not a range
    ("between ten and noon monday", {"clock": None, "earliest": time(10), "latest": time(12)}),
    ("between noon and two on monday", {"clock": None, "earliest": time(12), "latest": time(14)}),
    ("friday next week at two", {"days": (D(2026, 12, 11),)}),
    ("saturday next week", {"days": (D(2026, 12, 12),)}),
    ("monday next week", {"days": (D(2026, 12, 7),)}),
    ("a week from today", {"days": (D(2026, 12, 11),)}),
    ("tuesday at two, no, three", {"clock": time(15), "days": (D(2026, 12, 8),)}),
    ("tuesday at two actually make it three", {"clock": time(15), "days": (D(2026, 12, 8),)}),
    ("tuesday no wait wednesday at two", {"clock": time(14), "days": (D(2026, 12, 9),)}),
]


@pytest.mark.parametrize(("text", "wanted"), TIME_CASES)
def test_times_in_the_callers_words(text: str, wanted: dict[str, object]) -> None:
    request = parse_time_request(text, TODAY)
    assert {key: getattr(request, key) for key in wanted} == wanted


async def test_a_corrected_time_is_the_one_booked() -> None:
    lines = ("yes", V, "sure", "just me", "tuesday at two, no, three", "yes")
    result = await run_persona(Persona("corrected", lines, CallResult.SCHEDULED))
    assert result.outcome is CallResult.SCHEDULED, result.transcript
    booked = next(a for a in result.actions if a.name == "schedule_appointment" and a.ok)
    start = datetime.fromisoformat(booked.arguments["slot_start"]).astimezone(UTC)
    assert (start.month, start.day, start.hour) == (12, 1, 20), result.transcript  # 3 p.m. New York


@pytest.mark.parametrize(
    ("said", "first", "last", "matches"),
    [
        ("william obrien", "William", "O'Brien", True),
        ("patricia delacruz", "Patricia", "De La Cruz", True),
        ("maria lo pez", "Maria", "Lopez", True),
        ("deborah saint james", "Deborah", "St. James", True),
        ("maria gomez", "Maria", "Lopez", False),
        ("maria lo", "Maria", "Lopez", False),
    ],
)
def test_a_surname_said_joined_or_apart(said: str, first: str, last: str, matches: bool) -> None:
    assert name_matches(said, first, last) is matches


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("you are", Intent.SELF_ID),  # "Am I speaking with Maria?" "You are."
        ("i am", Intent.SELF_ID),
        ("you're talking to her", Intent.SELF_ID),
        ("speaking who's this", Intent.SELF_ID),
        ("who's asking", Intent.WHO),
        ("who wants to know", Intent.WHO),
    ],
)
def test_short_answers_at_the_greeting(text: str, wanted: Intent) -> None:
    assert wanted in intents(text)


# --- the second probe: yes under "not", reassurances, consent revoked, deaths, disclosure ----


@pytest.mark.parametrize(
    "text",
    [
        "absolutely not",
        "of course not",
        "uh definitely not",
        "please don't",
        "please don't book it",
        "not okay with me",
    ],
)
def test_a_yes_word_with_not_is_a_no(text: str) -> None:
    assert Intent.AFFIRM not in intents(text) and Intent.DENY in intents(text)


@pytest.mark.parametrize("text", ["i'm in a hurry", "i'm in the shower", "i'm in good health"])
def test_i_am_in_something_is_no_yes(text: str) -> None:
    assert Intent.AFFIRM not in intents(text)


@pytest.mark.parametrize("text", ["i'm in", "count me in", "no objection", "no i don't mind", "please do"])
def test_yes_said_other_ways(text: str) -> None:
    assert Intent.AFFIRM in intents(text) and Intent.DENY not in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "i revoke my consent",
        "i withdraw my consent to be called",
        "you do not have permission to call me",
        "i no longer consent to these calls",
        "why won't you stop calling me",
        "didn't i tell you to stop calling",
        "can't you stop calling me",
        "if you call again i'm reporting you",
        "call me again and i'll report you",
        "i'm going to file a complaint if you call again",
        "next time you call i'm calling my lawyer",
        "cease and desist",
        "d n c",
        "no phone calls",
        "this is the last time you call here",
        "i'm not accepting calls from you",
        "i refuse these calls",
        "i don't want you to have my number",
        "i don't want to be on your list",
        "never again",
        "i am requesting to be removed",
        "go a way",
        "i'm on the do know call list",
        "we don't accept solicitations",
        "you're not bothering me but stop calling",
        "don't text me, don't call me",  # not a name correction ('do not' is no name)
        "I never gave you permission to call me",
        "I'm tired of these calls",  # 'tired' is not 'tied'
    ],
)
def test_more_opt_outs_in_the_callers_words(text: str) -> None:
    assert Intent.OPT_OUT in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "you're not bothering me",
        "it's no bother",
        "no trouble at all",
        "you can keep calling me",
        "no no keep calling me that's fine",
        "the dentist keeps calling me about my appointment",
        "oh no it doesn't bother me, go on",
        "stop recording",
        "please stop recording this",
        "take me off the vision just dental",
        "don't text me call me",
        "i don't want the calls to go to my landline",
        "i revoke my consent to recording",
        "if you call again tomorrow i'll have my papers",
    ],
)
def test_more_not_opt_outs_in_the_callers_words(text: str) -> None:
    assert Intent.OPT_OUT not in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "this is a bot right",
        "you sound like a robot",
        "that's a computer talking isn't it",
        "are you chatgpt",
        "am i talking to siri",
        "is emma a real person",
        "is this prerecorded",
        "am i talking to a live human",
        "i'm talking to a real person right",
    ],
)
def test_is_this_an_ai_asked_other_ways(text: str) -> None:
    assert Intent.DISCLOSURE in intents(text) and Intent.WANTS_BROKER not in intents(text)


@pytest.mark.parametrize(
    ("text", "wants"),
    [
        ("i already talked to dana", False),
        ("i spoke with dana last week", False),
        ("i've been talking to dana about it", False),
        ("i don't need a broker", False),
        ("no need for a real person", False),
        ("please don't put me through to anyone", False),
        ("i want dana", True),
        ("give me your manager", True),
        ("i talked to dana last week but i want to talk to her again", True),
    ],
)
def test_talk_of_the_broker_is_not_always_a_transfer(text: str, wants: bool) -> None:
    assert (Intent.WANTS_BROKER in intents(text)) is wants


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("i don't have a spouse", "individual"),
        ("my husband has his own insurance", "individual"),
        ("my spouse has coverage through work", "individual"),
        ("he's got his own", "individual"),
        ("just one", "individual"),
        ("i'm on my own", "individual"),
        ("yes include her", "family"),
        ("me and my wife", "family"),
    ],
)
def test_who_the_coverage_is_for(text: str, level: str) -> None:
    assert understand(text, FIRST, BROKER).coverage == level


async def test_a_death_mentioned_after_verification_is_someone_elses() -> None:
    """The verified client speaks: 'my husband passed away' answers the coverage question."""
    lines = ("yes", V, "sure", "my husband passed away last year so it's just me", "the first one", "yes")
    result = await run_persona(Persona("widow", lines, CallResult.SCHEDULED))
    assert result.outcome is CallResult.SCHEDULED, result.transcript


async def test_a_death_before_verification_still_ends_the_call() -> None:
    result = await run_persona(Persona("deceased", ("she passed away last year",), CallResult.DECLINED))
    assert "sorry for your loss" in result.transcript[2][1].lower(), result.transcript


async def test_absolutely_not_books_nothing() -> None:
    lines = ("yes", V, "sure", "just me", "the first one", "absolutely not")
    result = await run_persona(Persona("no", lines, CallResult.DECLINED))
    assert not [a for a in result.actions if a.name == "schedule_appointment" and a.ok], result.transcript


@pytest.mark.parametrize(
    ("text", "callback"),
    [
        ("i'm just about to head out", True),
        ("i'm about to walk into a meeting", True),
        ("i'm with a customer", True),
        ("i'm on the bus", True),
        ("try back tomorrow", True),
        ("please call again later", True),
        ("could you try back in an hour", True),
        ("i'll be free after three call me then", True),
        ("now is a good time", False),
        ("i'm driving but i can talk", False),
        ("i'm at work but i can talk", False),
    ],
)
def test_busy_or_free_now(text: str, callback: bool) -> None:
    assert (Intent.CALLBACK in intents(text)) is callback


@pytest.mark.parametrize(
    "text",
    [
        "i'm covered through my employer",
        "already covered",
        "i've already got coverage",
        "my plan already covers that",
        "i have all the insurance i need",
        "my job covers that",
        "vision i don't need",
        "dental i already have",
        "dental's taken care of",
    ],
)
def test_covered_elsewhere_is_a_decline(text: str) -> None:
    assert Intent.DECLINE in intents(text) and Intent.AFFIRM not in intents(text)
