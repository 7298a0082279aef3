"""Times a caller asks for - 'Monday at 2', 'Tuesday afternoon', 'anything after 3', 'Thursday at
10:30', 'tomorrow at 5', 'in two hours', 'mañana a las tres de la tarde' - as a TimeRequest: which
days, an exact clock time or a range within the day. Numbers go through text2num; named dates
('December 3rd', 'the 14th') through dateparser. Resolution against a real calendar (slots,
calling hours) is the caller's job: this only says what was asked."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import dateparser

from conversation.nlu.normalise import CORRECTION_MARKER, fold
from conversation.nlu.numbers import MONTH_PATTERN, digits

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ES_WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
_WEEKDAY = re.compile(
    r"\b(?:(next|this|coming|following)\s+)?(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun|lunes|martes|miercoles|jueves|viernes|sabado|domingo)(?:day)?s?\b"
)
# (start, end) local hours for a part of the day; `PART_DEFAULT` is the hour named when only the part is said.
PARTS: dict[str, tuple[int, int]] = {
    "early morning": (8, 10),
    "late morning": (10, 12),
    "morning": (8, 12),
    "after lunch": (13, 17),
    "lunchtime": (11, 14),
    "lunch": (11, 14),
    "midday": (11, 13),
    "early afternoon": (12, 15),
    "late afternoon": (15, 18),
    "afternoon": (12, 17),
    "end of the day": (15, 18),
    "end of day": (15, 18),
    "after work": (17, 21),
    "early evening": (17, 19),
    "evening": (17, 21),
    "tonight": (17, 21),
    "night": (18, 21),
    "manana por la manana": (8, 12),
    "por la manana": (8, 12),
    "de la manana": (8, 12),
    "por la tarde": (12, 19),
    "de la tarde": (12, 19),
    "por la noche": (18, 21),
    "de la noche": (18, 21),
}
PART_DEFAULT = {"morning": 9, "afternoon": 14, "evening": 18, "tonight": 19, "night": 19}
_PART = re.compile(r"\b(" + "|".join(sorted(PARTS, key=len, reverse=True)) + r")s?\b")
_MERIDIEM = r"(a\.?\s?m\.?|p\.?\s?m\.?|in the morning|in the afternoon|in the evening|at night|de la manana|de la tarde|de la noche|o'? ?clock)"
_CLOCK = re.compile(
    rf"(?:\b(half past|half|quarter past|quarter after|quarter to|quarter till|a quarter past|a quarter to|a quarter after)\s+)?"
    rf"\b(\d{{1,2}})(?:(?::|\s|\.)(\d{{2}}))?(?:\s*ish)?\s*{_MERIDIEM}?(?![\d/:]|\s*(?:st|nd|rd|th)\b|\s+(?:days?|weeks?|hours?|minutes?|mins?|people|kids|of)\b)"
)
_CLOCK_CUE = r"(?:at|around|about|by|after|before|till|until|from|between|and|or|say|maybe|like|a las|las|sobre|tipo|-)"
_AFTER = re.compile(
    r"\b(?:after|(?<!no )later than|past|any time after|anytime after|from|not before|no earlier than|despues de las|despues de)\s+(\d{1,2})(?:[:\s](\d{2}))?\s*"
    + _MERIDIEM
    + "?"
)
# "I work until 4", "I'm busy till noon": free after that.
_BUSY_UNTIL = re.compile(
    r"\b(?:work|working|busy|tied up|at work|out|away|in class|in meetings?|occupied|on shift|gone)\s+(?:\w+\s+)?(?:until|till|til|to)\s+(\d{1,2})(?:[:\s](\d{2}))?\s*"
    + _MERIDIEM
    + "?"
)
_BARE_CLOCK = re.compile(
    r"(?:^|\b(?:say|maybe|how about|what about|or)\s+)(\d{1,2})(?::(\d{2}))?(?=\s+(?:works|is good|is fine|would work|would be|please|sounds|ok|okay|tomorrow|today|tonight|on\s|monday|tuesday|wednesday|thursday|friday|saturday|sunday|this|next)\b|\s*$)"
)
_BEFORE = re.compile(
    r"\b(?:before|(?<!no )earlier than|by|until|till|no later than|not after|antes de las|antes de)\s+(\d{1,2})(?:[:\s](\d{2}))?\s*"
    + _MERIDIEM
    + "?"
)
_BETWEEN = re.compile(
    r"\bbetween\s+(\d{1,2})(?:[:\s](\d{2}))?\s*(?:am|pm)?\s+(?:and|to|-)\s+(\d{1,2})(?:[:\s](\d{2}))?\s*"
    + _MERIDIEM
    + "?"
)
# "from two to four", "nine to five": a range said with 'to' (not a count: "in 2 to 3 days").
_FROM_TO = re.compile(
    r"(?<![\d:])(?:from\s+)?(\d{1,2})(?::(\d{2}))?\s*(?:am|pm)?\s+(?:to|until|till|-)\s+(\d{1,2})(?::(\d{2}))?\s*"
    + _MERIDIEM
    + r"?(?![\d:])(?!\s*(?:days?|weeks?|hours?|minutes?|mins?|months?|years?|times?|people|kids)\b)"
)
_IN_DURATION = re.compile(
    r"\b(?:in|give me|after)\s+(?:about\s+|like\s+|maybe\s+|roughly\s+)?(?:(an?|\d{1,2}|a couple of|a couple|a few)\s+)?(hours?|minutes?|mins?|days?|weeks?)\b(\s+and\s+a\s+half)?"
    r"|\bin\s+(?:about\s+)?(half an hour|half hour|a half hour)\b|\ben\s+(una|\d)\s+horas?\b"
)


@dataclass(frozen=True)
class TimeRequest:
    """What the caller asked for. `days` None: no day named. `clock`: an exact local time.
    `earliest`/`latest`: a range within the day ('after 3', 'afternoon'). `clock_guessed`: the
    a.m./p.m. was inferred, so it must be confirmed back."""

    days: tuple[date, ...] | None = None
    clock: time | None = None
    clock_guessed: bool = False
    earliest: time | None = None
    latest: time | None = None
    part: str | None = None
    delay: timedelta | None = None
    next_week: bool = False
    # "twelve twelve p.m.": 12:12, or the hour said twice. Both are read; an exact match wins.
    hour_said_twice: bool = False

    @property
    def empty(self) -> bool:
        return not (self.days or self.clock or self.earliest or self.latest or self.delay or self.next_week)

    def allows(self, local: datetime) -> bool:
        """Does a local datetime fit what was asked?"""
        if self.days and local.date() not in self.days:
            return False
        if self.clock is not None:
            said = (local.hour, local.minute)
            return said == (self.clock.hour, self.clock.minute) or (
                self.hour_said_twice and said == (self.clock.hour, 0)
            )
        if self.earliest is not None and local.time() < self.earliest:
            return False
        return not (self.latest is not None and local.time() >= self.latest)


def _hour24(hour: int, minute: int, marker: str | None, part: str | None) -> tuple[int, int, bool] | None:
    """24-hour clock; (hour, minute, guessed). Without a.m./p.m. 1-7 is afternoon, 8-11 morning."""
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        return None
    marker = (marker or "").replace(".", "").replace(" ", "")
    if marker.startswith("p") or marker in (
        "intheafternoon",
        "intheevening",
        "atnight",
        "delatarde",
        "delanoche",
    ):
        return (hour % 12) + 12, minute, False
    if marker.startswith("a") or marker in ("inthemorning", "delamanana"):
        return hour % 12, minute, False
    if hour > 12 or hour == 0:
        return hour, minute, False
    if part in (
        "afternoon",
        "evening",
        "tonight",
        "night",
        "late afternoon",
        "early evening",
        "early afternoon",
        "after work",
        "end of day",
        "end of the day",
        "por la tarde",
        "por la noche",
        "de la tarde",
        "de la noche",
    ):
        return (hour % 12) + 12 if hour != 12 else 12, minute, False
    if part in ("morning", "early morning", "late morning", "por la manana", "de la manana"):
        return hour % 12, minute, False
    return (hour + 12 if 1 <= hour <= 7 else hour), minute, True


def _clock(spoken: str, part: str | None) -> tuple[int, int, bool] | None:
    if re.search(r"\b(?:noon|midday|mediodia|12 noon)\b", spoken) and not re.search(
        r"\b(?:after|before|afternoon)\s+noon\b", spoken
    ):
        return 12, 0, False
    for match in _CLOCK.finditer(spoken):
        prefix, hour_s, minute_s, marker = match.groups()
        before = spoken[: match.start()].rstrip()
        said_ish = match.group(0).rstrip().endswith("ish")  # "fourish on thursday": a time
        if not (prefix or minute_s or marker or said_ish or re.search(rf"{_CLOCK_CUE}$", before)):
            continue
        if re.search(r"\b(?:after|before|by|until|till|from|later than|earlier than)$", before):
            continue  # a bound, not a time ("after 2", "after 2 30"): handled by _AFTER / _BEFORE
        hour, minute = int(hour_s), int(minute_s or 0)
        if prefix:
            if prefix.endswith("to") or prefix.endswith("till"):
                hour, minute = (hour - 1) or 12, 45
            else:
                minute = 30 if prefix.startswith("half") else 15
        if marker and "clock" in marker:
            marker = None
        return _hour24(hour, minute, marker, part)
    return None


def _bound(pattern: re.Pattern[str], spoken: str, part: str | None) -> time | None:
    match = pattern.search(spoken)
    if not match:
        return None
    if re.search(r"\bnoon\b", match.group(0)):
        return time(12)
    parsed = _hour24(int(match.group(1)), int(match.group(2) or 0), match.group(3), part)
    return time(parsed[0], parsed[1]) if parsed else None


def _days(spoken: str, today: date) -> tuple[tuple[date, ...] | None, bool]:
    days: list[date] = []
    if re.search(r"\b(?:a week from today|a week today|this time next week)\b", spoken):
        days.append(today + timedelta(days=7))
    if re.search(r"\b(?:day after tomorrow|pasado manana)\b", spoken):
        days.append(today + timedelta(days=2))
    elif re.search(r"\b(?:tomorrow|tmrw|tomorow)\b|(?<!la )\bmanana\b", spoken):
        days.append(today + timedelta(days=1))
    if re.search(
        r"(?<!week from )(?<!a week )\b(?:today|tonight|this (?:morning|afternoon|evening)|later today|hoy|esta tarde|esta noche)\b",
        spoken,
    ):
        days.append(today)
    for match in _WEEKDAY.finditer(spoken):
        word = match.group(2)
        index = next(
            i
            for i, name in enumerate(WEEKDAYS)
            if name.startswith(word[:3]) or _ES_WEEKDAYS[i].startswith(word[:3])
        )
        ahead = (index - today.weekday()) % 7
        if ahead == 0 and match.group(1) in ("next", "following"):
            ahead = 7
        if re.match(r"\s+(?:of\s+)?next week\b", spoken[match.end() :]) and ahead < 7:
            ahead += 7 if ahead == 0 or index >= today.weekday() else 0  # "friday next week"
        days.append(today + timedelta(days=ahead))
    named = _named_date(spoken, today)
    if named:
        days.append(named)
    next_week = (
        bool(re.search(r"\b(?:next week|la semana que viene|la proxima semana)\b", spoken)) and not days
    )
    return (tuple(sorted(set(days))) if days else None), next_week


@lru_cache(maxsize=512)
def _named_date_cached(fragment: str, today: date) -> date | None:
    base = datetime(today.year, today.month, today.day, 12)
    parsed = dateparser.parse(
        fragment,
        languages=["en", "es"],
        settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base, "REQUIRE_PARTS": ["day"]},
    )
    return parsed.date() if parsed else None


def _named_date(spoken: str, today: date) -> date | None:
    match = re.search(
        rf"\b{MONTH_PATTERN}\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?{MONTH_PATTERN}",
        spoken,
    )
    if not match:
        # "the 8th" is a date when something says so ("on the 8th", "the 8th at 3", "Tuesday the
        # 1st"); alone it is an ordinal ("the second" = the second option).
        match = re.search(
            r"(?:\b(?:on|for|of|by|until|till|from|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+)"
            r"the\s+\d{1,2}(?:st|nd|rd|th)\b|\bthe\s+\d{1,2}(?:st|nd|rd|th)(?=\s+(?:at|of|in|around|morning|afternoon|evening|works|is|would|please)\b)",
            spoken,
        )
        if not match:
            return None
        ordinal = int(re.sub(r"\D", "", match.group(0)) or 0)
        if not 1 <= ordinal <= 31:
            return None
        month = today.month if ordinal >= today.day else today.month % 12 + 1
        year = today.year if month >= today.month else today.year + 1
        try:
            return date(year, month, ordinal)
        except ValueError:
            return None
    if re.search(r"\bmay\s+(?:i|we|be)\b", match.group(0)):
        return None
    named = _named_date_cached(match.group(0), today)
    if named is not None and (named - today).days > 300:  # "December second" said on December 2nd
        try:
            this_year = named.replace(year=today.year)
        except ValueError:
            return named
        return this_year if this_year >= today else named
    return named


def _delay(spoken: str) -> timedelta | None:
    match = _IN_DURATION.search(spoken)
    if not match:
        return None
    if match.group(5) is not None:
        return timedelta(hours=1 if match.group(5) == "una" else int(match.group(5)))
    if match.group(4) is not None:
        return timedelta(minutes=30)
    count_word, unit, and_a_half = match.group(1), match.group(2), match.group(3)
    count = {"a": 1, "an": 1, "a couple of": 2, "a couple": 2, "a few": 3, None: 1}.get(count_word)
    count = count if count is not None else int(count_word)
    if unit.startswith("hour"):
        return timedelta(hours=count, minutes=30 if and_a_half else 0)
    if unit.startswith("min"):
        return timedelta(minutes=count)
    if unit.startswith("day"):
        return timedelta(days=count)
    return timedelta(weeks=count)


_CORRECTION = re.compile(rf"(?:,\s*|\s)(?:{CORRECTION_MARKER})(?=\S)")
# "ten past two", "five minutes after three", "twenty minutes to five": a bare "10 to 12" is a
# range and "december 10 after 2" a day and a bound, so 'after' and 'to' need 'minutes'.
_PAST_HOUR = re.compile(r"(?<![\d:])(\d{1,2}) (?:past|minutes? (?:past|after)) (\d{1,2})\b(?!:)")
_TO_HOUR = re.compile(r"(?<![\d:])(5|10|15|20|25) minutes (?:to|till|til|of|before) (\d{1,2})\b(?!:)")
_AFTER_A_DAY = re.compile(rf"\b(?:{MONTH_PATTERN}|the)\s*$")  # "december 10 past 2": the 10th


def _clock_words(spoken: str) -> str:
    """Clock times said in words the patterns do not read: 'twenty past three' -> 3:20, 'ten
    minutes to five' -> 4:50, 'quarter of four' -> 3:45, 'two-ish', 'noonish', 'three-thirty',
    'at too' (two), and 'between ten and noon'."""
    spoken = re.sub(r"\bquarter of (\d{1,2})\b", lambda m: f"{(int(m[1]) - 1) or 12}:45", spoken)
    spoken = _PAST_HOUR.sub(
        lambda m: (
            f"{m[2]}:{int(m[1]):02d}"
            if 1 <= int(m[1]) <= 30 and 1 <= int(m[2]) <= 12 and not _AFTER_A_DAY.search(spoken, 0, m.start())
            else m[0]
        ),
        spoken,
    )
    spoken = _TO_HOUR.sub(
        lambda m: f"{(int(m[2]) - 1) or 12}:{60 - int(m[1]):02d}" if 1 <= int(m[2]) <= 12 else m[0], spoken
    )
    spoken = re.sub(r"\bnoon ?-?ish\b", "noon", spoken)
    spoken = re.sub(r"\b(\d{1,2}) ?-?ish\b", r"\1 ish", spoken)
    spoken = re.sub(r"\b(\d{1,2})-([0-5]\d)\b", r"\1:\2", spoken)  # "3-30"
    spoken = re.sub(
        r"\b(at|around|about|say) (?:too|to)(?= (?:pm|am|p m|a m|oclock|o'clock)\b|\s*$)", r"\1 2", spoken
    )
    spoken = re.sub(r"\b(between|from) noon (and|to|until|till)\b", r"\1 12 \2", spoken)
    return re.sub(
        r"\b((?:between|from) \d{1,2}(?::\d{2})?(?: ?[ap]m)? (?:and|to|until|till|-)) noon\b",
        r"\1 12",
        spoken,
    )


_HOUR_WORD = r"(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"


def _before_digits(text: str) -> str:
    """Forms text2num leaves as words: 'two-ish', 'fourish', 'three-thirty'."""
    text = re.sub(rf"\b{_HOUR_WORD}-?ish\b", r"\1 ish", fold(text))
    return re.sub(
        rf"\b{_HOUR_WORD}-(o\w+|fifteen|thirty|forty-five|forty five|\w+ty(?:-\w+)?)\b", r"\1 \2", text
    )


def parse_time_request(text: str, today: date) -> TimeRequest:
    """What day and time the words ask for (an empty request when they name none); after a
    correction ("Tuesday at two, no, three") the corrected part wins, on the day first said
    when it names only a time."""
    parts = _CORRECTION.split(fold(text))
    if len(parts) > 1:
        first, meant = _parse(parts[0], today), _parse(parts[-1], today)
        if meant.empty and first.clock is not None:  # "at two, no, three": a bare hour
            meant = _parse(f"at {parts[-1]}", today)
        if meant.empty:
            return _parse(text, today)
        if meant.days is None and first.days is not None:
            return replace(meant, days=first.days)
        return meant
    return _parse(text, today)


def _parse(text: str, today: date) -> TimeRequest:
    spoken = digits(_before_digits(text))
    spoken = re.sub(r"[!?;]", " ", spoken)
    spoken = re.sub(r"\b(\d{1,2}) y media\b", r"\1:30", spoken)  # Spanish: "las cuatro y media"
    spoken = re.sub(r"\b(\d{1,2}) y cuarto\b", r"\1:15", spoken)
    spoken = re.sub(r"\b(\d{1,2}) \1(?= ?o'? ?clock\b)", r"\1", spoken)  # "ten ten o'clock": a stammer
    spoken = _clock_words(spoken)
    spoken = re.sub(r"\b(\d{1,2}) \1 (?=[0-5]\d\b)", r"\1 ", spoken)  # "twelve twelve thirty": 12:30
    part_match = _PART.search(spoken)
    part = part_match.group(1) if part_match else None
    days, next_week = _days(spoken, today)
    earliest = _bound(_AFTER, spoken, part) or _bound(_BUSY_UNTIL, spoken, part)
    latest = None if _BUSY_UNTIL.search(spoken) else _bound(_BEFORE, spoken, part)
    busy = re.search(r"\b(?:busy|at work|working|out|away|tied up|in meetings?|occupied|in class)\b", spoken)
    between = _BETWEEN.search(spoken) or (None if busy else _FROM_TO.search(spoken))
    clock = None
    if between:
        low = _hour24(int(between.group(1)), int(between.group(2) or 0), between.group(5), part)
        high = _hour24(int(between.group(3)), int(between.group(4) or 0), between.group(5), part)
        if low and high:
            earliest, latest = time(low[0], low[1]), time(high[0], high[1])
    else:
        clock = _clock(spoken, part)
        bare = _BARE_CLOCK.search(spoken) if clock is None and not _BUSY_UNTIL.search(spoken) else None
        if bare and (part or _days(spoken, today)[0] is not None):  # "ten tomorrow morning"
            clock = _hour24(int(bare.group(1)), int(bare.group(2) or 0), None, part)
    if re.search(r"\b(?:after|past) (?:12 )?noon\b", spoken):
        earliest = time(12)
    if re.search(r"\b(?:before|by|until|till) (?:12 )?noon\b", spoken):
        latest = time(12)
        clock = None
    if part and clock is None:
        start, end = PARTS[part]
        earliest = earliest or time(start)
        latest = latest or (time(end) if end < 24 else None)
    return TimeRequest(
        days=days,
        clock=time(clock[0], clock[1]) if clock else None,
        clock_guessed=bool(clock and clock[2]),
        earliest=earliest if clock is None else None,
        latest=latest if clock is None else None,
        part=part,
        delay=_delay(spoken),
        next_week=next_week,
        hour_said_twice=bool(clock and _said_twice(spoken, clock[0], clock[1])),
    )


def _said_twice(spoken: str, hour: int, minute: int) -> bool:
    """The minutes repeat the hour as it was said ('10 10 am', '12 12 pm')."""
    twelve = hour % 12 or 12
    return minute == twelve and bool(re.search(rf"\b{twelve}[ :]{twelve}\b(?! ?\d)", spoken))
