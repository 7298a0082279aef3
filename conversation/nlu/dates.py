"""Dates of birth as people say them: '4/12/80', 'twelve thirty-one ninety-nine', 'twenty-seven
January 1991', 'the ninth of December, nineteen fifty-five', 'cuatro de marzo de mil novecientos
sesenta y uno'. Numbers go through text2num (numbers.py); month-name forms our patterns do not
cover go to dateparser, which knows many more. Numeric dates are read month first (US)."""

from __future__ import annotations

import re
from datetime import date

import dateparser

from conversation.nlu.normalise import CORRECTION_MARKER, asr_joins, fold
from conversation.nlu.numbers import MONTH_PATTERN, MONTHS, digits

_ORD = r"(?:st|nd|rd|th|er|o|a)?"
# A year: four digits, or two not followed by four ("june 24th 19 1950": a stammered century).
_YEAR_DIGITS = r"(\d{4}|\d{2}(?!\s+\d{4}\b))\b"
_NUMERIC = re.compile(r"(?<![\d:])(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*,?\s*[/.\- ]?\s*(\d{2}|\d{4})(?![\d:])")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_MONTH_DAY_YEAR = re.compile(
    rf"\b({MONTH_PATTERN})\s+(?:the\s+)?(\d{{1,2}}){_ORD}\b,?\s*(?:of\s+|de\s+|in\s+)?'?{_YEAR_DIGITS}"
)
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}}){_ORD}\s+(?:day\s+)?(?:of\s+|de\s+)?({MONTH_PATTERN}),?\s*(?:of\s+|de\s+|del\s+|in\s+)?'?{_YEAR_DIGITS}"
)
_YEAR_MONTH_DAY = re.compile(
    rf"\b(\d{{4}}),?\s+(?:on\s+)?(?:the\s+)?({MONTH_PATTERN})\s+(?:the\s+)?(\d{{1,2}}){_ORD}\b"
)
# "the 24th of june 19 1950": the day came first, so '19' before 1950 is a stammered century.
_CENTURY_SAID_TWICE = re.compile(
    rf"\b(\d{{1,2}}{_ORD}\s+(?:day\s+)?(?:of\s+|de\s+)?{MONTH_PATTERN}),?\s+(19|20)\s+(\2\d{{2}})\b"
)
_MONTH_THEN_DAY = re.compile(rf"\b({MONTH_PATTERN})\s+(?:the\s+)?(\d{{1,2}}){_ORD}\b")
_DAY_THEN_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+|de\s+)?({MONTH_PATTERN})")
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
_SHORT_YEAR = re.compile(r"(?:'|\bborn in |\bin the year |\byear )(\d{2})\b")  # "born in '61"
_DATEPARSER_SETTINGS = {
    "PREFER_DATES_FROM": "past",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "DATE_ORDER": "MDY",
    "STRICT_PARSING": True,
}


def full_year(year: int, today: date) -> int:
    """Two-digit years of birth: '80' -> 1980; '05' -> 2005 only if that is not in the future
    and leaves an adult (a client is at least 18), else 1905."""
    if year >= 100:
        return year
    candidate = 2000 + year
    return candidate if candidate <= today.year - 18 else 1900 + year


def _make(year: int, month: int, day: int, today: date) -> date | None:
    try:
        value = date(full_year(year, today), month, day)
    except ValueError:
        return None
    return value if date(1900, 1, 1) <= value <= today else None


def _month(name: str) -> int:
    return MONTHS[name.rstrip(".")]


_REPEATED_NUMBER_WORD = re.compile(
    r"\b(zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety)(?:[\s,]+\1\b)+"
)
_REPEATED_NUMBER = re.compile(r"\b(\d+)(?:[\s,]+\1\b)+")  # "26 26" once the words are digits


_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
# Number words heard as other words, where a date has a number: "sixty won", "twenty for",
# "march forth", "august ate", "nineteen and seventy two", "four slash nine slash seventy seven".
_SOUNDS_LIKE = {"for": "four", "fore": "four", "to": "two", "too": "two", "won": "one", "ate": "eight"}
_HEARD_AS = (
    # only where the number ends ("sixty won", "twenty for nineteen..."), not "sixty to be exact"
    (
        re.compile(rf"\b({_TENS})[ -](for|fore|to|too|won|ate)(?=\s*(?:$|,|\.|and\b|nineteen|twenty|\d))"),
        lambda m: f"{m[1]}-{_SOUNDS_LIKE[m[2]]}",
    ),
    (re.compile(rf"\b({MONTH_PATTERN}) (?:the )?forth\b"), lambda m: f"{m[1]} fourth"),
    (
        re.compile(rf"\b({MONTH_PATTERN}) (?:the )?(for|fore|to|too|won|ate)(?= (?:nineteen|twenty|\d))"),
        lambda m: f"{m[1]} {_SOUNDS_LIKE[m[2]]}",
    ),
    (re.compile(r"\b(nineteen|twenty) and (?=\w)"), lambda m: f"{m[1]} "),
    (re.compile(r" slash "), lambda m: "/"),
)
# "nineteen six one" (not inside a date said digit by digit, "zero four one two one nine eight zero")
_DIGIT_BY_DIGIT_YEAR = re.compile(r"(?<!\d )\b(?:(19|20) (\d) (\d)|1 9 (\d) (\d))\b")
_PACKED = re.compile(r"(?<!\d)(\d{2})(\d{2})((?:19|20)\d{2})(?!\d)")  # "04091977"
# "sixty-one, no, sixty-two", "june first, i mean june second": the words after the last
# correction say what was meant.
_CORRECTION = re.compile(rf"(?:,\s*|\s)(?:{CORRECTION_MARKER})")


def parse_date_of_birth(text: str, today: date | None = None) -> date | None:
    """A full date of birth in the words, or None (no year, impossible day, in the future).
    A stammered number ("ten ten eleven, nineteen forty-five", "thirteen thirteen") is read
    once when the words hold more numbers than a date (month, day, year); after a correction
    ("..., no, sixty-two") the corrected part wins."""
    today = today or date.today()
    heard = fold(text)
    for pattern, spoken_as in _HEARD_AS:
        heard = pattern.sub(spoken_as, heard)
    parts = _CORRECTION.split(heard)
    if len(parts) > 1:
        return _corrected(_read(parts[0], today), parts[-1], today) or _read(heard, today)
    return _read(heard, today)


def _corrected(first: date | None, correction: str, today: date) -> date | None:
    """The date meant: the correction alone when it is a whole date, else the first date with
    the part the correction names (a year, or a month and day)."""
    whole = _read(correction, today)
    if whole is not None or first is None:
        return whole
    spoken = digits(correction)
    md = _months_and_days(spoken)
    if md:
        return _make(first.year, md[0][0], md[0][1], today)
    year = re.fullmatch(r"\s*(\d{2}|\d{4})\s*", spoken)
    return _make(int(year.group(1)), first.month, first.day, today) if year else None


def _months_and_days(spoken: str) -> list[tuple[int, int]]:
    """(month, day) for every month said with a day, either way round ("may 18th", "18 of may")."""
    said = [(_month(m.group(1)), int(m.group(2))) for m in _MONTH_THEN_DAY.finditer(spoken)]
    return said + [(_month(m.group(2)), int(m.group(1))) for m in _DAY_THEN_MONTH.finditer(spoken)]


def _read(text: str, today: date) -> date | None:
    found = _parse_once(text, today)
    if _numbers(digits(text)) <= 3:
        return found
    once = _REPEATED_NUMBER.sub(r"\1", digits(_REPEATED_NUMBER_WORD.sub(r"\1", asr_joins(fold(text)))))
    if _numbers(once) <= 3:  # more numbers than a date has; the stammer read once leaves a date's worth
        return _parse_once(once, today) or found
    return found


def _numbers(spoken: str) -> int:
    """The parts a date is said in: numbers, ordinals and month names ("april 9th 60 61": four)."""
    return len(re.findall(rf"\b(?:\d+(?:st|nd|rd|th)?|{MONTH_PATTERN})\b", spoken))


def _parse_once(text: str, today: date) -> date | None:
    spoken = _CENTURY_SAID_TWICE.sub(r"\1 \3", digits(text))
    spoken = _DIGIT_BY_DIGIT_YEAR.sub(lambda m: f"{m[1] or 19}{m[2] or m[4]}{m[3] or m[5]}", spoken)
    spoken = _PACKED.sub(r"\1/\2/\3", spoken)
    for match in _ISO.finditer(spoken):
        found = _make(int(match.group(1)), int(match.group(2)), int(match.group(3)), today)
        if found:
            return found
    for pattern, order in ((_MONTH_DAY_YEAR, "mdy"), (_DAY_MONTH_YEAR, "dmy")):
        for match in pattern.finditer(spoken):
            a, b, year = match.groups()
            month, day = (_month(a), int(b)) if order == "mdy" else (_month(b), int(a))
            found = _make(int(year), month, day, today)
            if found:
                return found
    for match in _YEAR_MONTH_DAY.finditer(spoken):
        found = _make(int(match.group(1)), _month(match.group(2)), int(match.group(3)), today)
        if found:
            return found
    for match in _NUMERIC.finditer(spoken):
        first, second, year = (int(g) for g in match.groups())
        month, day = (first, second) if first <= 12 else (second, first)
        found = _make(year, month, day, today)
        if found:
            return found
    split = _month_day_and_year(spoken, today)
    if split:
        return split
    # "one twenty oh one": the year merge took "20 01" for 2001; read the digits apart once more.
    unmerged = re.sub(r"\b(1[89]|20)(\d{2})\b", r"\1 \2", spoken)
    for match in _NUMERIC.finditer(unmerged):
        first, second, year = (int(g) for g in match.groups())
        if first <= 12:
            found = _make(year, first, second, today)
            if found:
                return found
    return _with_dateparser(spoken, today)


def _month_day_and_year(spoken: str, today: date) -> date | None:
    """'born in 1961, on March 4th' - the parts said apart."""
    year = _YEAR.search(spoken) or _SHORT_YEAR.search(spoken)
    if not year:
        return None
    # Both readings, each where it matches: in "1956 56 may 18th" '56 may' is no day, 'may 18th' is.
    for month, day in _months_and_days(spoken):
        found = _make(int(year.group(1)), month, day, today)
        if found:
            return found
    return None


def _with_dateparser(spoken: str, today: date) -> date | None:
    if not re.search(MONTH_PATTERN, spoken) or not re.search(r"\d", spoken):
        return None
    candidate = re.sub(
        r"\b(?:i was born|born|my birthday is|birthday|date of birth|dob|is|on|it is|the)\b", " ", spoken
    )
    candidate = re.sub(r"[^a-z0-9/ ,.-]", " ", candidate)
    candidate = re.sub(r"\s+", " ", candidate).strip(" ,.")
    if not candidate:
        return None
    parsed = dateparser.parse(candidate, languages=["en", "es"], settings=_DATEPARSER_SETTINGS)
    if parsed is None:
        return None
    return _make(parsed.year, parsed.month, parsed.day, today)


def mentions_date(text: str) -> bool:
    """Something date-like was said (even if it is not a valid full date)."""
    spoken = digits(text)
    return bool(re.search(MONTH_PATTERN, spoken) and re.search(r"\d", spoken)) or bool(
        _NUMERIC.search(spoken) or _YEAR.search(spoken)
    )
