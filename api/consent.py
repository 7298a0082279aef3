"""Classify the answer to the recording/AI-disclosure consent question. Conservative: only a
clear yes is consent; mixed or unclear answers are asked once more."""

from __future__ import annotations

import re
from enum import StrEnum


class ConsentAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"


_AFFIRMATIVE = (
    "yes", "yeah", "yep", "yup", "sure", "ok", "okay", "go ahead", "of course", "fine",
    "alright", "all right", "absolutely", "certainly", "that's fine", "please do",
    "sounds good", "i agree", "i consent", "works for me", "that's okay", "that is okay",
    "cool with", "you can record", "you may record",
)  # fmt: skip
# Yeses said with a negative word in them: read first, then taken out before looking for a no.
_YES_WITH_A_NO = (
    "no problem", "no problems", "no objection", "no objections", "no issue", "no issues",
    "no worries", "not a problem", "do not mind", "does not matter", "doesn't matter",
    "do not object", "don't object",
)  # fmt: skip
_NEGATIVE = (
    "no", "nope", "nah", "not interested", "don't", "do not", "stop", "not now", "no thanks",
    "no thank you", "hang up", "i don't consent", "remove me", "rather not", "rather you did not",
    "prefer not", "prefer you did not", "not comfortable", "uncomfortable", "object", "do mind",
    "no recording", "no way", "not really", "i refuse", "i decline", "may not", "can not",
    "cannot",
)  # fmt: skip
_YES_WORDS = (
    r"(?:yes|yeah|sure|ok|okay|fine|alright|all right|absolutely|certainly|of course|good|cool|"
    r"definitely|go ahead|continue)"
)
# "not okay", "that is not fine", "absolutely not": a yes-word turned into a no.
_NEGATED_YES = re.compile(
    rf"(?<![\w'])(?:(?:not|never)(?: \w+)?(?: \w+)? {_YES_WORDS}|{_YES_WORDS} not)(?![\w'])"
)
YES_DIGIT = "1"
NO_DIGIT = "2"


def _contains(text: str, phrases: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", text) for p in phrases)


def _without(text: str, phrases: tuple[str, ...]) -> str:
    for phrase in phrases:
        text = re.sub(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", " ", text)
    return text


def _spelled_out(text: str) -> str:
    """'don't' -> 'do not', 'isn't' -> 'is not', "i'd" -> 'i would': one form to read."""
    text = re.sub(r"\b(can)'t\b", r"\1 not", text)
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"\b(\w+)n't\b", r"\1 not", text)
    return re.sub(r"\b(i|we|you)'d\b", r"\1 would", text)


def classify_consent(speech: str | None, digits: str | None) -> ConsentAnswer:
    """Digits win over speech (a key press is unambiguous); 1 = yes, 2 = no."""
    if digits:
        if digits.strip() == YES_DIGIT:
            return ConsentAnswer.YES
        if digits.strip() == NO_DIGIT:
            return ConsentAnswer.NO
        return ConsentAnswer.UNCLEAR
    text = re.sub(r"[^\w' ]+", " ", (speech or "").lower()).strip()
    if not text:
        return ConsentAnswer.UNCLEAR
    text = re.sub(r"\s+", " ", _spelled_out(text))
    # "no, I don't mind", "no problem": a yes. Read those first, then look for a no in the rest.
    text = re.sub(r"^no (?=(?:i|we) do not mind)", "", text)
    text = re.sub(r"\bplease do not\b", "do not", text)  # not the yes "please do"
    text = re.sub(r"\bnever mind\b", " ", text)
    yes_with_a_no = _contains(text, _YES_WITH_A_NO)
    rest = _without(text, _YES_WITH_A_NO)
    # "that's not fine", "absolutely not": a yes-word turned into a no.
    negated_yes = bool(_NEGATED_YES.search(rest))
    rest = _NEGATED_YES.sub(" ", rest)
    yes = yes_with_a_no or _contains(rest, _AFFIRMATIVE)
    no = negated_yes or _contains(rest, _NEGATIVE)
    if yes and not no:
        return ConsentAnswer.YES
    if no and not yes:
        return ConsentAnswer.NO
    return ConsentAnswer.UNCLEAR
