"""Callback times and dates of birth from natural speech ("Thursday around three", "tomorrow
morning", "March 4th, 1961"), resolved in the client's time zone and inside calling hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from conversation.speech_text import NUMBER_WORDS, number_tokens, words_to_int
from domain.calling_window import is_within_window, next_window_open
from domain.messages import CallingWindow

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"sept": 9}
_PARTS_OF_DAY = {"morning": 9, "afternoon": 14, "evening": 18, "tonight": 19, "night": 19, "noon": 12}
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}


@dataclass(frozen=True)
class ResolvedTime:
    """A callback instant: `at` in UTC, `local` in the client's zone. `ambiguous` means confirm
    it back before acting (no a.m./p.m., a part of the day, or moved into calling hours)."""

    at: datetime
    local: datetime
    ambiguous: bool
    clamped: bool = False


def _find_day(text: str, today: date) -> tuple[date | None, bool]:
    """(day, explicit) from 'today', 'tomorrow', a weekday or 'December 3rd'."""
    if re.search(r"\b(day after tomorrow)\b", text):
        return today + timedelta(days=2), True
    if re.search(r"\btomorrow\b", text):
        return today + timedelta(days=1), True
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening)|later today)\b", text):
        return today, True
    for index, name in enumerate(_WEEKDAYS):
        match = re.search(rf"\b(next )?{name}\b", text)
        if match:
            ahead = (index - today.weekday()) % 7
            if match.group(1) and ahead == 0:
                ahead = 7
            return today + timedelta(days=ahead), True
    month_day = _find_month_day(text)
    if month_day:
        month, day = month_day
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
        try:
            return date(year, month, day), True
        except ValueError:
            return None, False
    if re.search(r"\bnext week\b", text):
        return today + timedelta(days=7 - today.weekday()), False
    return None, False


def _find_month_day(text: str) -> tuple[int, int] | None:
    month_names = "|".join(list(_MONTHS) + list(_MONTH_ABBR))
    match = re.search(rf"\b({month_names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", text)
    if match:
        return _month_number(match.group(1)), int(match.group(2))
    match = re.search(rf"\b({month_names})\.?\s+(?:the\s+)?([a-z]+(?:[- ][a-z]+)?)\b", text)
    if match:
        day = _ordinal_value(match.group(2))
        if day:
            return _month_number(match.group(1)), day
    return None


def _month_number(name: str) -> int:
    return (
        _MONTHS.index(name) + 1 if name in _MONTHS else _MONTH_ABBR[name[:4] if name == "sept" else name[:3]]
    )


def _ordinal_value(words: str) -> int | None:
    parts = words.replace("-", " ").split()
    if len(parts) == 2 and parts[0] in ("twenty", "thirty") and parts[1] in _ORDINAL_WORDS:
        return {"twenty": 20, "thirty": 30}[parts[0]] + _ORDINAL_WORDS[parts[1]]
    if len(parts) >= 1 and parts[0] in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[parts[0]]
    return None


_TIME_DIGITS = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?=\W|$)")
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_MINUTE_WORDS = r"(?:fifteen|thirty|forty[- ]five|o'?clock|oh [a-z]+)"
_TIME_WORDS = re.compile(
    rf"\b(?:(half past|quarter past|quarter to) )?({_NUMBER_WORD})(?: ({_MINUTE_WORDS}))?"
    r"(?: ?(a\.?m\.?|p\.?m\.?|in the morning|in the afternoon|in the evening|at night))?\b"
)


def _find_clock(text: str) -> tuple[int, int, bool] | None:
    """(hour24, minute, ambiguous) for 'at 3', '3:30 pm', 'around three', 'half past two'."""
    candidates = [m for m in _TIME_DIGITS.finditer(text) if _digits_look_like_time(text, m)]
    if candidates:
        first = candidates[0]
        return _to_24h(int(first.group(1)), int(first.group(2) or 0), first.group(3))
    m: re.Match[str] | None = next(
        (w for w in _TIME_WORDS.finditer(text) if _words_look_like_time(text, w)), None
    )
    if not m:
        if re.search(r"\bnoon\b", text):
            return 12, 0, False
        return None
    hour = words_to_int([m.group(2)]) or 0
    minute = 0
    if m.group(3):
        minute_text = m.group(3).replace("-", " ")
        if minute_text.startswith("oh "):
            minute = words_to_int([minute_text[3:]]) or 0
        elif "clock" not in minute_text:
            minute = words_to_int(minute_text.split()) or 0
    if m.group(1) == "half past":
        minute = 30
    elif m.group(1) == "quarter past":
        minute = 15
    elif m.group(1) == "quarter to":
        hour, minute = (hour - 1) or 12, 45
    return _to_24h(hour, minute, m.group(4))


def _words_look_like_time(text: str, match: re.Match[str]) -> bool:
    if match.group(1) or match.group(3) or match.group(4):
        return True
    before = text[: match.start()].rstrip()
    return before.endswith(("at", "around", "about", "by", "after", "before", "till", "until"))


def _digits_look_like_time(text: str, match: re.Match[str]) -> bool:
    if match.group(2) or match.group(3):
        return True
    before = text[: match.start()].rstrip()
    return before.endswith(("at", "around", "about", "by", "after", "before"))


def _to_24h(hour: int, minute: int, marker: str | None) -> tuple[int, int, bool] | None:
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        return None
    if marker:
        marker = marker.replace(".", "")
        pm = marker in ("pm", "in the afternoon", "in the evening", "at night")
        if hour > 12:
            return hour, minute, False
        return (hour % 12) + (12 if pm else 0), minute, False
    if hour > 12:
        return hour, minute, False
    # No a.m./p.m.: business-hours reading (1-7 afternoon, 8-11 morning), confirmed back.
    return (hour + 12 if 1 <= hour <= 7 else hour), minute, True


def resolve_callback_time(
    text: str, now: datetime, timezone: str, window: CallingWindow | None = None
) -> ResolvedTime | None:
    """The instant a caller means, or None when the words hold no day and no time.

    A day with no time takes the part of the day said, else 10 a.m.; a time with no day is today
    if still ahead, else tomorrow. Anything outside calling hours moves to the next opening.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    window = window or CallingWindow()
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    lowered = text.lower()
    in_hours = re.search(r"\bin (an|one|two|three|a couple of|\d+) hours?\b", lowered)
    if in_hours:
        count = {"an": 1, "one": 1, "two": 2, "three": 3, "a couple of": 2}.get(in_hours.group(1))
        hours = count if count is not None else int(in_hours.group(1))
        return _finish(local_now + timedelta(hours=hours), now, timezone, window, ambiguous=False)
    day, day_explicit = _find_day(lowered, local_now.date())
    clock = _find_clock(lowered)
    part = next((p for p in _PARTS_OF_DAY if re.search(rf"\b{p}\b", lowered)), None)
    if day is None and clock is None and part is None:
        return None
    ambiguous = not day_explicit
    if clock is not None:
        hour, minute, clock_ambiguous = clock
        if clock_ambiguous and part in ("morning",) and hour >= 12:
            hour -= 12
        elif clock_ambiguous and part in ("afternoon", "evening", "tonight", "night") and hour < 12:
            hour += 12
            clock_ambiguous = False
        ambiguous = ambiguous or clock_ambiguous
    elif part is not None:
        hour, minute, ambiguous = _PARTS_OF_DAY[part], 0, True
    else:
        hour, minute, ambiguous = 10, 0, True
    if day is None:
        day = local_now.date()
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if candidate <= local_now:
            day = day + timedelta(days=1)
    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    if candidate <= local_now:
        candidate += timedelta(days=7 if day_explicit and day != local_now.date() else 1)
        ambiguous = True
    return _finish(candidate, now, timezone, window, ambiguous=ambiguous)


def _finish(
    local: datetime, now: datetime, timezone: str, window: CallingWindow, *, ambiguous: bool
) -> ResolvedTime:
    zone = ZoneInfo(timezone)
    instant = local.astimezone(UTC)
    clamped = False
    if not is_within_window(instant, timezone, window) or instant <= now:
        instant = next_window_open(max(instant, now), timezone, window)
        clamped = True
    return ResolvedTime(
        at=instant, local=instant.astimezone(zone), ambiguous=ambiguous or clamped, clamped=clamped
    )


# --- dates of birth ---------------------------------------------------------------------------


def parse_spoken_date(text: str) -> date | None:
    """A full date (with a year) from '03/04/1961', '1961-03-04', 'March 4th, 1961',
    '4 March 1961' or 'march fourth nineteen sixty one'; None when there is none."""
    lowered = text.lower()
    for pattern, order in (
        (r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", "ymd"),
        (r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b", "mdy"),
    ):
        m = re.search(pattern, lowered)
        if m:
            a, b, c = (int(g) for g in m.groups())
            year, month, day = (a, b, c) if order == "ymd" else (c, a, b)
            return _safe_date(year, month, day)
    month_names = "|".join(list(_MONTHS) + list(_MONTH_ABBR))
    m = re.search(rf"\b({month_names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", lowered)
    if m:
        return _safe_date(int(m.group(3)), _month_number(m.group(1)), int(m.group(2)))
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({month_names})\.?,?\s+(\d{{4}})\b", lowered)
    if m:
        return _safe_date(int(m.group(3)), _month_number(m.group(2)), int(m.group(1)))
    return _parse_worded_date(lowered, month_names)


def _parse_worded_date(lowered: str, month_names: str) -> date | None:
    m = re.search(rf"\b({month_names})\s+(.+)$", lowered)
    if not m:
        return None
    month = _month_number(m.group(1))
    tokens = number_tokens(m.group(2))
    tokens = [t for t in tokens if t not in ("the", "of", ".")]
    day: int | None = None
    if len(tokens) >= 2 and tokens[0] in ("twenty", "thirty") and tokens[1] in _ORDINAL_WORDS:
        day, tokens = _ordinal_value(f"{tokens[0]} {tokens[1]}"), tokens[2:]
    elif tokens and tokens[0] in _ORDINAL_WORDS:
        day, tokens = _ORDINAL_WORDS[tokens[0]], tokens[1:]
    elif tokens and re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", tokens[0]):
        day, tokens = int(re.sub(r"\D", "", tokens[0])), tokens[1:]
    if day is None or not tokens:
        return None
    if re.fullmatch(r"\d{4}", tokens[0]):
        return _safe_date(int(tokens[0]), month, day)
    words = [t for t in tokens if t in NUMBER_WORDS]
    if len(words) < 2:
        return None
    # "nineteen sixty one" -> 19 and 61; "two thousand five" -> 2005
    if "thousand" in words:
        year = words_to_int(words)
    else:
        century = words_to_int(words[:1])
        rest_value = words_to_int(words[1:])
        year = century * 100 + rest_value if century is not None and rest_value is not None else None
    return _safe_date(year, month, day) if year else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
