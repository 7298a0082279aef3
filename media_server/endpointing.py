"""How long a pause ends the caller's turn, from the words said so far.

Why words: silence alone cannot tell "my date of birth is ... April twelfth ... nineteen eighty"
(one answer, two pauses) from "yes" (done). Both Pipecat's and LiveKit's users report endpointing
that cuts them off mid-number; a half-said date, a phone number short of its ten digits, a trailing
"and" or "um" mean the caller has more to say, so the wait grows; a complete "yes" to a yes/no
question ends the turn quickly. The expected answer comes from the question Emma asked (or the
agent, when it knows), the patience from the conversation stage. Pure functions: no audio, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class AnswerKind(StrEnum):
    ANY = "any"
    YES_NO = "yes_no"
    DATE = "date"  # a date of birth: day, month and year
    NAME_DOB = "name_dob"
    PHONE = "phone"
    TIME = "time"  # a day or time to call


class Completeness(StrEnum):
    EMPTY = "empty"  # no words yet (the STT has not caught up, or gives finals only)
    FILLER = "filler"  # ends on "um", "let me see": thinking aloud
    INCOMPLETE = "incomplete"  # a dangling word, a half-said date or number
    COMPLETE = "complete"
    YES_NO = "yes_no"  # a short complete answer to a yes/no question


_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)?|[a-z]+(?:'[a-z]+)?")
FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "hmm", "hm", "ah", "eh", "mm"})
_FILLER_PAIRS = frozenset(
    {("let", "me"), ("let's", "see"), ("me", "see"), ("hold", "on"), ("one", "sec"), ("you", "know")}
)
DANGLING = frozenset(
    "and or but because cause the a an my your his her our their is are was were am to of at on in "
    "for with from that's i'm it's its like about be been than if then also plus".split()
)
MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_UNITS = "zero oh one two three four five six seven eight nine".split()
DIGIT_WORDS = frozenset(_UNITS)
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
NUMBER_WORDS = frozenset([*_UNITS, *_TEENS, *_TENS, "hundred", "thousand", "double", "triple"])
ORDINALS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth".split()
) | frozenset(re.findall(r"\d+(?:st|nd|rd|th)", " ".join(f"{n}st {n}nd {n}rd {n}th" for n in range(1, 32))))
YES_NO_WORDS = frozenset(
    "yes yeah yep yup ya no nope nah sure correct right okay ok absolutely definitely speaking "
    "certainly fine alright".split()
)
BACKCHANNELS = frozenset(
    "mm mhm mmhm mmhmm hmm hm uh huh um ah oh yeah yep yup yes ya right alright okay ok sure i see got "
    "it gotcha exactly totally true indeed cool great nice perfect good fine wow really of course".split()
)


def tokens(text: str) -> list[str]:
    """Lower-case words and digit groups ("12th" is one token; "mm-hmm" is "mm", "hmm")."""
    return _TOKEN.findall(text.lower().replace("-", " "))


def is_backchannel(text: str) -> bool:
    """Only listening noises ("mm-hmm", "yeah", "right", "okay") - or nothing at all."""
    words = tokens(text)
    return len(words) <= 4 and all(w in BACKCHANNELS for w in words)


def _digits(token: str) -> int:
    if token.isdigit():
        return len(token)
    return 1 if token in DIGIT_WORDS else 0


def _has_year(words: list[str]) -> bool:
    """1980, "nineteen eighty", "twenty twelve", "two thousand five" - not "april twenty one"."""
    for index, word in enumerate(words):
        if word.isdigit() and len(word) == 4 and word[:2] in ("19", "20"):
            return True
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in ("nineteen", "twenty") and following in _YEAR_TAILS:
            return True
        after_month = index > 0 and words[index - 1] in MONTHS
        if word in ("nineteen", "twenty") and following in DIGIT_WORDS and not after_month:
            return True
        if word == "thousand" and index > 0 and words[index - 1] == "two":
            return True
    return False


_YEAR_TAILS = frozenset([*_TEENS, *_TENS, "oh", "hundred"])


def _trailing_numbers(words: list[str]) -> list[str]:
    run: list[str] = []
    for word in reversed(words):
        if word.isdigit() or word in NUMBER_WORDS or word in ORDINALS:
            run.append(word)
        else:
            break
    return run[::-1]


def completeness(text: str, expected: AnswerKind = AnswerKind.ANY) -> Completeness:
    """Is the caller done, judging by the words alone?"""
    words = tokens(text)
    if not words:
        return Completeness.EMPTY
    if expected is AnswerKind.ANY:
        expected = _kind_from_answer(words)
    last = words[-1]
    if last in FILLERS or tuple(words[-2:]) in _FILLER_PAIRS:
        return Completeness.FILLER
    if last in DANGLING:
        return Completeness.INCOMPLETE
    if _number_unfinished(words, expected) or _date_unfinished(words, expected):
        return Completeness.INCOMPLETE
    if expected in (AnswerKind.NAME_DOB, AnswerKind.DATE) and not _has_year(words):
        return Completeness.INCOMPLETE  # a date of birth is not given until its year is
    if expected is AnswerKind.YES_NO and words[0] in YES_NO_WORDS and len(words) <= 4:
        return Completeness.YES_NO
    return Completeness.COMPLETE


def _kind_from_answer(words: list[str]) -> AnswerKind:
    """The caller says what they are giving ("my date of birth is", "my number is")."""
    if "birth" in words or "born" in words or "birthday" in words:
        return AnswerKind.DATE
    if "phone" in words or ("number" in words and any(_digits(w) for w in words)):
        return AnswerKind.PHONE
    return AnswerKind.ANY


def _number_unfinished(words: list[str], expected: AnswerKind) -> bool:
    """A phone number short of ten digits; otherwise a dictated run of 3 or 6 digits (an area
    code, an exchange) or 7-9 digits, which is a phone number still being said."""
    if expected is AnswerKind.PHONE:
        return 0 < sum(_digits(w) for w in words) < 10
    if any(w in MONTHS for w in words):
        return False
    trailing = _trailing_numbers(words)
    dictated = [w for w in trailing if w in DIGIT_WORDS or (w.isdigit() and len(w) in (3, 4))]
    run = sum(_digits(w) for w in dictated)
    return bool(dictated) and len(dictated) == len(trailing) and (run in (3, 6) or 7 <= run < 10)


def _date_unfinished(words: list[str], expected: AnswerKind) -> bool:
    months = [i for i, w in enumerate(words) if w in MONTHS]
    if not months:
        return False
    after = words[months[-1] + 1 :]
    if not after or after == ["the"]:
        return True  # "April ..." - the day is still to come
    if words[-1] in ("nineteen", "twenty") or words[-2:] == ["two", "thousand"]:
        return True  # "... nineteen" - half a year
    return False


def expected_from_question(question: str) -> AnswerKind:
    """What kind of answer Emma's last question asks for, from its words."""
    q = question.lower()
    if "date of birth" in q or "birthday" in q or "born" in q:
        return AnswerKind.NAME_DOB if "name" in q else AnswerKind.DATE
    if "phone number" in q or "number to reach" in q or "callback number" in q:
        return AnswerKind.PHONE
    if re.search(r"\b(what|which) (day|time)|\bwhen\b|what works", q):
        return AnswerKind.TIME
    if "yes or no" in q:
        return AnswerKind.YES_NO
    first = (tokens(q) or [""])[0]
    if first in _YES_NO_OPENERS and " or " not in q:
        return AnswerKind.YES_NO
    return AnswerKind.ANY


_YES_NO_OPENERS = frozenset(
    "do does did is are am was were can could would will shall should have has may is".split()
)


@dataclass(frozen=True)
class EndpointConfig:
    """Silence (ms) after the caller's last voiced frame that ends the turn, by what was said."""

    no_text_ms: int = 700
    complete_ms: int = 560
    yes_no_ms: int = 400
    incomplete_ms: int = 1600
    filler_ms: int = 2000
    max_ms: int = 3000
    stage_patience: dict[str, float] = field(default_factory=lambda: {"verify": 1.5, "schedule": 1.25})

    def __post_init__(self) -> None:
        values = (self.no_text_ms, self.complete_ms, self.yes_no_ms, self.incomplete_ms, self.filler_ms)
        if min(values) < 20 or self.max_ms < max(values):
            raise ValueError("end-of-turn waits must be >= 20 ms and <= max_ms")
        if any(f <= 0 for f in self.stage_patience.values()):
            raise ValueError("stage patience factors must be positive")

    @classmethod
    def fixed(cls, wait_ms: int) -> EndpointConfig:
        """One wait whatever the words: the codec line, whose STT gives no interim words."""
        return cls(wait_ms, wait_ms, wait_ms, wait_ms, wait_ms, max(wait_ms, 3000), stage_patience={})

    def wait_ms(self, state: Completeness, stage: str | None = None) -> int:
        """The silence that ends a turn in `state`. Stage patience stretches only the uncertain
        waits: a complete answer ends as fast in verification as anywhere."""
        base = {
            Completeness.EMPTY: self.no_text_ms,
            Completeness.FILLER: self.filler_ms,
            Completeness.INCOMPLETE: self.incomplete_ms,
            Completeness.COMPLETE: self.complete_ms,
            Completeness.YES_NO: self.yes_no_ms,
        }[state]
        if state in (Completeness.EMPTY, Completeness.FILLER, Completeness.INCOMPLETE) and stage:
            base = int(base * self.stage_patience.get(stage, 1.0))
        return min(base, self.max_ms)


def parse_patience(spec: str) -> dict[str, float]:
    """ "verify=1.5,schedule=1.25" -> {"verify": 1.5, "schedule": 1.25} (settings format)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"stage patience must look like verify=1.5, got {part!r}")
        out[name.strip().lower()] = float(value)
    return out
