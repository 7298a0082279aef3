"""The intent layer on wording it was not written against: opt-outs in many constructions (and
what is not one), declines, disclosure questions, direct questions, relatives, Spanish."""

from __future__ import annotations

import pytest

from conversation.intents import Intent, understand

FIRST, BROKER = "Maria", "Dana Whitfield"


def intents(text: str) -> frozenset[Intent]:
    return understand(text, FIRST, BROKER).intents


OPT_OUTS = [
    "stop",
    "STOP!!",
    "Stop it.",
    "please, stop",
    "enough, stop calling",
    "quit ringing my phone",
    "cease contacting me",
    "I want you to stop phoning this house",
    "no more calls please",
    "I'm sick of these calls, no more",
    "don't ever call here again",
    "never contact me again",
    "you people need to stop bothering me",
    "why do you keep calling me",
    "take my name off your list",
    "get my number out of your system",
    "delete my phone number",
    "erase my details",
    "remove us from your calling list",
    "put this number on the do not call list",
    "I'm on the do not call registry",
    "unsubscribe me",
    "opt me out",
    "leave me alone",
    "go away",
    "get lost",
    "piss off",
    "f*** off",
    "stop f***ing calling",
    "stop friggin calling me you idiots",
    "this is harassment",
    "I'm not interested, and don't call again",
    "not interested, remove me",
    "I told you last week not to call me",
    "I don't want to be called anymore",
    "I don't want any more of your calls",
    "no calls, ever",
    "stop, I'm done",
    "no me llames más",
    "no me vuelvan a llamar",
    "dejen de llamarme",
    "quítenme de la lista",
    "bórrenme de su lista",
    "déjenme en paz",
]


@pytest.mark.parametrize("text", OPT_OUTS)
def test_opt_outs(text: str) -> None:
    assert Intent.OPT_OUT in intents(text), understand(text, FIRST, BROKER).utterance


NOT_OPT_OUTS = [
    "don't stop, go on",
    "no, keep going",
    "I didn't say stop",
    "I'm not asking you to stop",
    "don't hang up",
    "don't call me Maria, it's Mari",
    "please don't call me ma'am",
    "stop calling me Mrs. Lopez, Maria is fine",
    "nobody calls me Maria",
    "call me Mari",
    "don't call me before noon",
    "don't call me at work",
    "not interested",
    "no thanks",
    "I'm good, thank you",
    "no",
    "wait, say that again",
    "I don't need to talk to anyone",
    "no one named Maria lives here",
    "I never want to miss a call from my broker",
    "call me back tomorrow",
    "can you stop by the office",
]


@pytest.mark.parametrize("text", NOT_OPT_OUTS)
def test_not_opt_outs(text: str) -> None:
    assert Intent.OPT_OUT not in intents(text), understand(text, FIRST, BROKER).utterance


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("I'm not interested", Intent.DECLINE),
        ("nah, we're good", Intent.DECLINE),
        ("I'll pass, thanks", Intent.DECLINE),
        ("not for me", Intent.DECLINE),
        ("I already have dental through work", Intent.DECLINE),
        ("sure, why not", Intent.AFFIRM),
        ("mm-hmm", Intent.AFFIRM),
        ("uh huh", Intent.AFFIRM),
        ("yeah go ahead", Intent.AFFIRM),
        ("that works for me", Intent.AFFIRM),
        ("nope", Intent.DENY),
        ("that's not right", Intent.DENY),
        ("can I speak to an actual human?", Intent.WANTS_BROKER),
        ("put me through to Dana please", Intent.WANTS_BROKER),
        ("I'm at work, can you call back after six?", Intent.CALLBACK),
        ("this isn't a great time", Intent.CALLBACK),
        ("wrong number", Intent.WRONG_PERSON),
        ("she doesn't live here anymore", Intent.WRONG_PERSON),
        ("Maria isn't home", Intent.WRONG_PERSON),
        ("my mother died last year", Intent.DECEASED),
        ("Maria passed away in March", Intent.DECEASED),
        ("she's no longer with us", Intent.DECEASED),
        ("am I talking to a real person?", Intent.DISCLOSURE),
        ("is this a bot", Intent.DISCLOSURE),
        ("are you human?", Intent.DISCLOSURE),
        ("wait, is this a recording", Intent.DISCLOSURE),
        ("what's the deductible", Intent.DEDUCTIBLE),
        ("does it cover crowns?", Intent.DEDUCTIBLE),
        ("is that cheaper than my current plan?", Intent.COMPARE),
        ("can you lock in that rate?", Intent.GUARANTEE),
        ("will the price go up next year", Intent.GUARANTEE),
        ("do you need my SSN?", Intent.SSN),
        ("can you see my medical history?", Intent.MEDICAL),
        ("how much would that run me?", Intent.PRICE),
        ("who is this?", Intent.WHO),
        ("hang on a second", Intent.HOLD),
        ("sorry, I didn't catch that", Intent.CONFUSED),
        ("speaking", Intent.SELF_ID),
        ("this is she", Intent.SELF_ID),
    ],
)
def test_intents(text: str, wanted: Intent) -> None:
    assert wanted in intents(text), understand(text, FIRST, BROKER).utterance


def test_a_person_question_is_not_a_transfer_request() -> None:
    assert intents("am I talking to a real person?") >= {Intent.DISCLOSURE}
    assert Intent.WANTS_BROKER not in intents("am I talking to a real person?")
    both = intents("are you a robot? I want to talk to a real person")
    assert {Intent.DISCLOSURE, Intent.WANTS_BROKER} <= both


def test_a_decline_is_not_also_a_yes() -> None:
    assert Intent.AFFIRM not in intents("sure, but no thanks, I'm not interested")


def test_one_product_refused_the_other_wanted() -> None:
    u = understand("I'm not interested in dental, just vision", FIRST, BROKER)
    assert [p.value for p in u.products.wanted] == ["vision"]
    assert [p.value for p in u.products.refused] == ["dental"]


def test_spanish_is_recognised() -> None:
    assert understand("hola, no hablo inglés", FIRST, BROKER).spanish
    assert not understand("hello, this is Maria", FIRST, BROKER).spanish


def test_misheard_words_are_repaired() -> None:
    assert Intent.OPT_OUT in intents("remuve my nummer")
    assert Intent.DECLINE in intents("not intrested")


MORE_OPT_OUTS = [
    "I want off your list",
    "add my number to your do-not-call",
    "we don't accept solicitation calls",
    "this number is on the national do not call registry",
    "kindly refrain from calling me",
    "I never want to hear from you people again",
    "don't bother calling back",
    "quit it",
    "knock it off",
    "for the love of god stop",
    "stop stop stop",
    "just stop it already",
    "STOP CALLING",
    "I asked you to stop calling months ago",
    "how do I get you people to stop calling",
    "what do I have to do to get off this list",
    "can you remove me please",
    "please delete me from your records",
    "wipe my number",
    "scrub me from your system",
    "cancel these calls",
    "I'd like to opt out",
    "I'm opting out",
    "block my number from your list",
    "no more, please",
    "I've had it with these calls",
    "enough is enough, no more calls",
    "you're harassing me, stop",
    "get off my phone",
    "hang up and don't call back",
    "lose my number, pal",
    "f off",
    "fuck off and die",
    "stop f-ing calling me",
    "god damn it stop calling",
    "please stop contacting my mother",
    "take my mom off your list, she doesn't want calls",
    "no vuelvan a llamar",
    "no me llamen nunca más",
    "ya basta de llamadas",
    "quiero que me saquen de su lista",
    "don't ring here again",
    "never phone me again",
    "stop texting and calling me",
    "you can stop calling now",
    "I said stop",
    "I'm not interested, please don't call me anymore",
    "not interested. Stop calling.",
    "no thanks and please don't call again",
    "take this number off",
]


@pytest.mark.parametrize("text", MORE_OPT_OUTS)
def test_more_opt_outs(text: str) -> None:
    assert Intent.OPT_OUT in intents(text), understand(text, FIRST, BROKER).utterance


MORE_NOT_OPT_OUTS = [
    "don't stop talking",
    "stop, I have a question",
    "wait, stop, what was that time again?",
    "stop for a second, I need to grab a pen",
    "don't hang up on me",
    "don't call me sweetheart",
    "don't call me Mrs, just Maria",
    "could you call me Mari",
    "call me on my cell instead",
    "don't call me at work, call me at home",
    "please don't call before 9",
    "you can call me back tomorrow",
    "I'll call you back",
    "I'm not calling you, you called me",
    "my broker said to expect your call",
    "I don't want to miss the call",
    "I don't want to stop my current plan",
    "remove my husband from the coverage question, it's just me",
    "can you take me through the options",
]


@pytest.mark.parametrize("text", MORE_NOT_OPT_OUTS)
def test_more_things_that_are_not_opt_outs(text: str) -> None:
    assert Intent.OPT_OUT not in intents(text), understand(text, FIRST, BROKER).utterance
