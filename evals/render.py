"""How synthetic callers say dates of birth and times, per phrasing split: the training split and
the held-out split use different styles, so the held-out eval also tests dates and times said in
ways the parsers were not tuned on."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime

from conversation.speech_text import number_to_words, ordinal_words

_MONTHS = "January February March April May June July August September October November December".split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_ES_DAYS = "lunes martes miércoles jueves viernes sábado domingo".split()
_ES_HOURS = "una dos tres cuatro cinco seis siete ocho nueve diez once doce".split()


def _year_words(year: int) -> str:
    if 2000 <= year < 2010:
        return "two thousand " + number_to_words(year % 10) if year % 10 else "two thousand"
    head, tail = divmod(year, 100)
    if tail == 0:
        return f"{number_to_words(head)} hundred"
    tail_words = f"oh {number_to_words(tail)}" if tail < 10 else number_to_words(tail)
    return f"{number_to_words(head)} {tail_words}"


DobStyle = Callable[[date], str]
DOB_STYLES: dict[str, tuple[DobStyle, ...]] = {
    "train": (
        lambda d: f"{_MONTHS[d.month - 1]} {d.day}{_suffix(d.day)}, {d.year}",
        lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",
        lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
        lambda d: f"the {ordinal_words(d.day)} of {_MONTHS[d.month - 1]}, {_year_words(d.year)}",
        lambda d: f"{_MONTHS[d.month - 1]} {ordinal_words(d.day)} {_year_words(d.year)}",
        lambda d: f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
        lambda d: (
            f"{number_to_words(d.month)} {number_to_words(d.day)} {number_to_words(d.year % 100) if d.year % 100 >= 10 else 'oh ' + number_to_words(d.year % 100)}"
        ),
    ),
    "heldout": (
        lambda d: f"{_MONTHS[d.month - 1][:3]} {d.day} '{d.year % 100:02d}",
        lambda d: f"{d.month}-{d.day}-{d.year}",
        lambda d: f"{number_to_words(d.day)} {_MONTHS[d.month - 1]} {_year_words(d.year)}",
        lambda d: f"the {d.day}{_suffix(d.day)} of {_MONTHS[d.month - 1]}, {d.year % 100:02d}",
        lambda d: f"{_MONTHS[d.month - 1]} the {ordinal_words(d.day)}, {d.year}",
        lambda d: (
            f"zero {number_to_words(d.month)} {number_to_words(d.day)}, {_year_words(d.year)}"
            if d.month < 10
            else f"{number_to_words(d.month)} {number_to_words(d.day)}, {_year_words(d.year)}"
        ),
        lambda d: f"{_year_words(d.year)}, {_MONTHS[d.month - 1]} {ordinal_words(d.day)}",
    ),
}


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def say_dob(d: date, split: str, rng: random.Random) -> str:
    return rng.choice(DOB_STYLES[split])(d)


def _hour_words(hour24: int) -> str:
    return number_to_words(hour24 % 12 or 12)


def say_clock(local: datetime, split: str, rng: random.Random, *, meridiem: bool) -> str:
    """'2 pm', '2:30', 'two thirty in the afternoon', 'half past two'..."""
    h12 = local.hour % 12 or 12
    ampm = "pm" if local.hour >= 12 else "am"
    minute = local.minute
    if split == "train":
        options = [
            f"{h12}{':' + f'{minute:02d}' if minute else ''} {ampm}"
            if meridiem
            else f"{h12}{':' + f'{minute:02d}' if minute else ''}",
            (
                f"{_hour_words(local.hour)} {number_to_words(minute) if minute else ''} {'p.m.' if ampm == 'pm' else 'a.m.'}"
                if meridiem
                else f"{_hour_words(local.hour)}{' ' + number_to_words(minute) if minute else ''}"
            ),
        ]
    else:
        part = "in the afternoon" if local.hour >= 12 else "in the morning"
        words = (
            f"half past {_hour_words(local.hour)}"
            if minute == 30
            else (
                f"{_hour_words(local.hour)} o'clock"
                if minute == 0
                else f"{_hour_words(local.hour)} {number_to_words(minute)}"
            )
        )
        options = [
            f"{words} {part}" if meridiem else words,
            f"{h12}{':' + f'{minute:02d}' if minute else ''}{'pm' if meridiem and ampm == 'pm' else ('am' if meridiem else '')}",
        ]
    return " ".join(rng.choice(options).split())


def say_day(day: date, today: date, split: str, rng: random.Random) -> str:
    ahead = (day - today).days
    name = _WEEKDAYS[day.weekday()]
    if ahead == 1 and rng.random() < 0.5:
        return "tomorrow"
    if split == "heldout" and ahead == 2 and rng.random() < 0.5:
        return "the day after tomorrow"
    if split == "heldout" and rng.random() < 0.3:
        return f"{_MONTHS[day.month - 1]} {ordinal_words(day.day)}"
    if ahead >= 7:
        return f"next {name}"
    return name if split == "train" or rng.random() < 0.6 else f"this {name}"


def say_when(local: datetime, today: date, split: str, rng: random.Random) -> tuple[str, bool]:
    """A callback time; (words, exact) - exact False when a.m./p.m. is left to be confirmed."""
    meridiem = rng.random() < 0.6
    day = say_day(local.date(), today, split, rng)
    clock = say_clock(local, split, rng, meridiem=meridiem)
    if split == "train":
        text = rng.choice([f"{day} at {clock}", f"{day} around {clock}", f"at {clock} {day}"])
    else:
        text = rng.choice([f"{day}, {clock}", f"{clock} on {day}", f"{day} round about {clock}"])
        if "o'clock" not in clock and not clock[0].isdigit() and "past" not in clock and rng.random() < 0.5:
            text = f"{day} at {clock}"
    return text, meridiem


def say_when_es(local: datetime, today: date, rng: random.Random) -> str:
    hour = _ES_HOURS[(local.hour % 12 or 12) - 1]
    article = "la" if local.hour % 12 == 1 else "las"
    part = "de la mañana" if local.hour < 12 else ("de la tarde" if local.hour < 20 else "de la noche")
    ahead = (local.date() - today).days
    day = "mañana" if ahead == 1 else f"el {_ES_DAYS[local.weekday()]}"
    minutes = " y media" if local.minute == 30 else ""
    return rng.choice(
        [f"{day} a {article} {hour}{minutes} {part}", f"{day} {part}, a {article} {hour}{minutes}"]
    )
