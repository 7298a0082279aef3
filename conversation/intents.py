"""Intent rules over the caller's words, for the local deterministic policy (no model)."""

from __future__ import annotations

import re
from enum import StrEnum


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    WANTS_BROKER = "wants_broker"
    CALLBACK = "callback"
    PRICE = "price"
    CONFUSED = "confused"
    AFFIRM = "affirm"
    DENY = "deny"
    DECLINE = "decline"
    WRONG_PERSON = "wrong_person"
    GOODBYE = "goodbye"


_RULES: dict[Intent, re.Pattern[str]] = {
    Intent.OPT_OUT: re.compile(
        r"\b(stop calling|don'?t call|do not call|never call|quit calling|take me off|remove me|"
        r"put me on (your|the) do not call|unsubscribe|off (your|the) (call(ing)? )?list|"
        r"lose my number|stop contacting)\b"
    ),
    Intent.WANTS_BROKER: re.compile(
        r"\b(my broker|talk to (a |an )?(real )?(person|human|agent|someone)|speak (to|with) (a |an )?"
        r"(real )?(person|human|agent|someone|broker)|transfer me|connect me|put me through|"
        r"real person|live person|human being|representative)\b"
    ),
    Intent.CALLBACK: re.compile(
        r"\b(call (me )?back|callback|call me (later|tomorrow|on|at|next|this|in)|try (me |again )?(later|"
        r"tomorrow|another time)|(not|isn'?t) a good time|bad time|busy (right )?now|in a meeting|"
        r"driving|can'?t talk|another time|some other time|later today|i'?m busy|i am busy)\b"
    ),
    Intent.PRICE: re.compile(
        r"\b(how much|price|pricing|cost|costs|premium|rate|rates|expensive|cheap|afford|per month|a month)\b"
    ),
    Intent.CONFUSED: re.compile(
        r"(^\s*(what|huh|sorry|pardon|come again|eh)\s*\??\s*$|\b(i don'?t understand|don'?t get it|"
        r"not sure what you mean|what do you mean|what does that mean|confus\w*|say that again|"
        r"repeat that|i'?m lost|didn'?t catch|what are you talking about|who is this|who'?s calling|"
        r"what is this about|what'?s this about)\b)"
    ),
    Intent.AFFIRM: re.compile(
        r"\b(yes|yeah|yep|yup|sure|ok|okay|alright|all right|sounds good|that works|works for me|"
        r"correct|right|speaking|this is (she|he|her|him|me)|that'?s me|it'?s me|go ahead|please do|"
        r"let'?s do it|i'?d like that|absolutely|definitely|of course|perfect|great|fine|book it)\b"
    ),
    Intent.DENY: re.compile(r"\b(no|nope|nah|not really|that'?s not right|incorrect|wrong)\b"),
    Intent.DECLINE: re.compile(
        r"\b(not interested|no thanks|no thank you|don'?t want|do not want|i'?ll pass|pass on|"
        r"not for me|no need|i'?m good|i am good|happy with (my|what)|not right now)\b"
    ),
    Intent.WRONG_PERSON: re.compile(
        r"\b(wrong number|wrong person|(s?he|they)('?s| is| are) not (here|home|available|in)|"
        r"(s?he|they) (isn'?t|aren'?t|doesn'?t|don'?t) (here|home|live here|available)|"
        r"no one by that name|nobody by that name|this is (his|her|their) \w+|"
        r"not (him|her)|you have the wrong)\b"
    ),
    Intent.GOODBYE: re.compile(r"\b(bye|goodbye|good bye|hang(ing)? up)\b"),
}


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def classify(text: str) -> set[Intent]:
    """All intents whose rule matches; the policy decides which one wins in which stage."""
    lowered = normalise(text)
    found = {intent for intent, pattern in _RULES.items() if pattern.search(lowered)}
    if Intent.DECLINE in found:
        found.discard(Intent.AFFIRM)
    if Intent.WRONG_PERSON in found:
        found.discard(Intent.AFFIRM)
    return found
