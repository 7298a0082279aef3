"""The shapes of PHI that can be recognised without knowing the value: phone numbers (US and
international, any common separator, read aloud digit by digit), SSNs (dashed, spaced, dotted or
bare), e-mail addresses and date-only values that look like birth dates (numeric in any order,
compact, with month names, ordinals or entirely in words). URL-encoding is undone by the caller
(security/redaction.py) before these run.

Over-masking an operational number now and then is the accepted price: a log line is worth less
than a leaked phone number. Timestamps (a date followed by a time) and ids (digits inside
alphanumerics, such as Twilio sids) stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MASK = "[REDACTED]"

_NOT_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"
_NO_DIGIT_AFTER = r"(?![0-9])"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

# 123-45-6789, 123 45 6789, 123.45.6789, 123456789 (the separator, if any, is used twice)
SSN = re.compile(_NOT_ALNUM_BEFORE + r"\d{3}([ .-]?)\d{2}\1\d{4}" + _NO_DIGIT_AFTER)

_SEP = r"[ \t.\-]"
PHONE = re.compile(
    r"(?:"
    # +E.164 and international formats: "+" then 7-15 digits, grouped by spaces, dots, dashes, ().
    r"(?<![A-Za-z0-9+])\+\(?\d(?:[ \t.\-()]{0,2}\d){6,14}"
    # US: (202) 555-0123, 202-555-0123, 1 202 555 0123, 1-(202)-555-0123 ...
    r"|" + _NOT_ALNUM_BEFORE + r"(?:1" + _SEP + r"?)?(?:\(\d{3}\)" + _SEP + r"?|\d{3}" + _SEP + r")\d{3}"
    r"" + _SEP + r"\d{4}"
    # digits only: 2025550123, 12025550123
    r"|" + _NOT_ALNUM_BEFORE + r"1?\d{10}"
    r")" + _NO_DIGIT_AFTER
)

_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
# A number read aloud: seven or more digit words in a row ("two zero two, five five five ...").
SPOKEN_DIGITS = re.compile(
    r"\b" + _DIGIT_WORD + r"(?:[\s,.+-]+" + _DIGIT_WORD + r"){6,}\b",
    re.IGNORECASE,
)

# --- dates ----------------------------------------------------------------------------------------

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_ONES = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORD_ONES = "first second third fourth fifth sixth seventh eighth ninth".split()
_ORD_TEENS = "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split()
_W = r"[\s+-]+"  # between words: spaces, hyphens, '+' (a URL-encoded space)


def _alt(words: list[str]) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_ONES_RE, _TEENS_RE, _TENS_RE = _alt(_ONES), _alt(_TEENS), _alt(_TENS)
_CARDINAL_1_99 = r"(?:" + _TENS_RE + r"(?:" + _W + _ONES_RE + r")?|" + _TEENS_RE + r"|" + _ONES_RE + r")"
_DAY_WORD = (
    r"(?:(?:twenty|thirty)"
    + _W
    + _alt(_ORD_ONES)
    + r"|twentieth|thirtieth|"
    + _alt(_ORD_TEENS + _ORD_ONES)
    + r"|(?:twenty|thirty)(?:"
    + _W
    + _ONES_RE
    + r")?|"
    + _TEENS_RE
    + r"|"
    + _ONES_RE
    + r")"
)
_DAY_DIGITS = r"\d{1,2}(?:st|nd|rd|th)?"
_DAY = r"(?:" + _DAY_DIGITS + r"|" + _DAY_WORD + r")"
_YEAR_WORDS = (
    r"(?:(?:eighteen|nineteen|twenty)"
    + _W
    + r"(?:hundred|(?:oh|o)"
    + _W
    + _ONES_RE
    + r"|"
    + _CARDINAL_1_99
    + r")"
    r"|two" + _W + r"thousand(?:" + _W + r"(?:and" + _W + r")?" + _CARDINAL_1_99 + r")?)"
)
_YEAR = r"(?:\d{4}|'?\d{2}|" + _YEAR_WORDS + r")"
_COMMA = r"[\s+]*,?[\s+]*"

WRITTEN_DATE = re.compile(
    r"\b(?:"
    # April 12, 1980 / Apr. 12th 1980 / April twelfth, nineteen eighty
    + _MONTH
    + r"[\s+]+"
    + _DAY
    + _COMMA
    + _YEAR
    # 12 April 1980 / 12th of April, 1980 / the twelfth of April nineteen eighty
    + r"|(?:the[\s+]+)?"
    + _DAY
    + r"[\s+]+(?:of[\s+]+)?"
    + _MONTH
    + _COMMA
    + _YEAR
    + r")\b",
    re.IGNORECASE,
)

_ISO_LIKE = re.compile(
    _NOT_ALNUM_BEFORE + r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\dT:]| \d{1,2}:)" + _NO_DIGIT_AFTER
)
_NUMERIC = re.compile(
    _NOT_ALNUM_BEFORE + r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d:]| \d{1,2}:)" + _NO_DIGIT_AFTER
)
_COMPACT = re.compile(_NOT_ALNUM_BEFORE + r"\d{8}" + _NO_DIGIT_AFTER)


def _month_day(a: int, b: int) -> bool:
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12)


def _iso(match: re.Match[str]) -> str:
    month, day = int(match.group(3)), int(match.group(4))
    return MASK if 1 <= month <= 12 and 1 <= day <= 31 else match.group(0)


def _numeric(match: re.Match[str]) -> str:
    first, second, year = match.group(1), match.group(3), match.group(4)
    if match.group(2) == "." and len(year) == 2:
        return match.group(0)  # 3.11.14 is a version, not a birthday
    return MASK if _month_day(int(first), int(second)) else match.group(0)


def _compact(match: re.Match[str]) -> str:
    text = match.group(0)
    for year, month, day in ((text[:4], text[4:6], text[6:]), (text[4:], text[:2], text[2:4])):
        if 1900 <= int(year) <= 2039 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return MASK
    return text


# Applied in this order: longer, more specific shapes first, so a phone is not half-eaten by a date.
SUBSTITUTIONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (EMAIL, MASK),
    (WRITTEN_DATE, MASK),
    (SPOKEN_DIGITS, MASK),
    (PHONE, MASK),
    (SSN, MASK),
    (_ISO_LIKE, _iso),
    (_NUMERIC, _numeric),
    (_COMPACT, _compact),
)


def mask_patterns(text: str) -> str:
    for pattern, replacement in SUBSTITUTIONS:
        text = pattern.sub(replacement, text)
    return text
