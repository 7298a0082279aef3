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
    "alright", "all right", "absolutely", "certainly", "that's fine", "no problem", "please do",
    "sounds good", "i agree", "i consent",
)  # fmt: skip
_NEGATIVE = (
    "no", "nope", "nah", "not interested", "don't", "do not", "stop", "not now", "no thanks",
    "no thank you", "hang up", "i don't consent", "remove me",
)  # fmt: skip
YES_DIGIT = "1"
NO_DIGIT = "2"


def _contains(text: str, phrases: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", text) for p in phrases)


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
    # "no problem" is a yes: remove affirmative phrases before looking for a no.
    yes = _contains(text, _AFFIRMATIVE)
    stripped = text
    for phrase in ("no problem",):
        stripped = stripped.replace(phrase, " ")
    no = _contains(stripped, _NEGATIVE)
    if yes and not no:
        return ConsentAnswer.YES
    if no and not yes:
        return ConsentAnswer.NO
    return ConsentAnswer.UNCLEAR
