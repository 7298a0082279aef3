"""Reading what Emma said, independently of the agent's own code paths: the dates-and-times and
dollar amounts in her words (the simulated caller hears her offers this way, and the hallucination
metric checks them against tool results)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from conversation.nlu.numbers import MONTHS, digits

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = "(" + "|".join(_WEEKDAYS) + ")"
_MONTH = "(" + "|".join(m for m in MONTHS if len(m) > 3 and m.isascii()) + ")"
_INSTANT = re.compile(
    rf"\b{_WEEKDAY},?\s+(?:the\s+)?{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+at\s+(?:(noon)|(\d{{1,2}})(?:(?::|\s)(\d{{2}}))?\s*([ap])\.?\s?m\b)"
)
_ES_INSTANT = re.compile(
    r"\bel\s+\w+\s+(\d{1,2})\s+de\s+(\w+)\s+a\s+las?\s+(\w+)(\s+y\s+media|\s+y\s+cuarto)?\s+de\s+la\s+(manana|tarde|noche)"
)
_ES_HOURS = {
    w: i + 1 for i, w in enumerate("una dos tres cuatro cinco seis siete ocho nueve diez once doce".split())
}
_DOLLARS = re.compile(r"\$\s?(\d+(?:\.\d{1,2})?)|\b(\d+)\s+dollars?(?:\s+and\s+(\d+)\s+cents?)?")


def _year_for(month: int, day: int, today: date, weekday: str | None = None) -> int:
    """The year whose date has the weekday said; else the one that puts it nearest after today."""
    if weekday is not None:
        for year in (today.year, today.year + 1, today.year - 1):
            try:
                if _WEEKDAYS[date(year, month, day).weekday()] == weekday:
                    return year
            except ValueError:
                continue
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (candidate - today).days >= -1:
            return year
    return today.year


def spoken_instants(text: str, timezone: str, today: date) -> list[datetime]:
    """Every '<weekday>, <month> <day> at <time>' Emma said, as aware local datetimes."""
    zone = ZoneInfo(timezone)
    spoken = digits(text)
    found: list[datetime] = []
    for match in _INSTANT.finditer(spoken):
        weekday, month_name, day_s, noon, hour_s, minute_s, meridiem = match.groups()
        month, day = MONTHS[month_name], int(day_s)
        if noon:
            hour, minute = 12, 0
        else:
            hour = int(hour_s) % 12 + (12 if meridiem == "p" else 0)
            minute = int(minute_s or 0)
        try:
            found.append(
                datetime(_year_for(month, day, today, weekday), month, day, hour, minute, tzinfo=zone)
            )
        except ValueError:
            continue
    for match in _ES_INSTANT.finditer(re.sub(r"[^a-z0-9 ]", " ", digits(text))):
        day_s, month_name, hour_word, half, part = match.groups()
        if month_name not in MONTHS or hour_word not in _ES_HOURS and not hour_word.isdigit():
            continue
        hour = int(hour_word) if hour_word.isdigit() else _ES_HOURS[hour_word]
        hour = hour % 12 + (12 if part in ("tarde", "noche") else 0)
        minute = 30 if half and "media" in half else (15 if half else 0)
        month = MONTHS[month_name]
        try:
            found.append(
                datetime(_year_for(month, int(day_s), today), month, int(day_s), hour, minute, tzinfo=zone)
            )
        except ValueError:
            continue
    return found


def spoken_amounts(text: str) -> list[Decimal]:
    """Dollar amounts Emma said, in digits or words."""
    amounts: list[Decimal] = []
    for match in _DOLLARS.finditer(digits(text)):
        if match.group(1):
            amounts.append(Decimal(match.group(1)))
        else:
            amounts.append(Decimal(match.group(2)) + Decimal(match.group(3) or 0) / 100)
    return amounts
