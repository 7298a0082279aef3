"""Telephone-solicitation hours that are stricter than the federal rule, per US state.

Federal (TCPA, 47 CFR 64.1200(c)(1)): 8:00-21:00 in the called party's local time, every day.
The states below narrow that (shorter hours, no Sundays or holidays, a cap on calls per 24 h).
This table is a product default summarising commonly cited state statutes; it is data to be
reviewed by the compliance owner, not legal advice. Add or correct a state by editing STATE_RULES
(a test pins each entry's behaviour).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

Hours = tuple[int, int]  # [start, end) local hours
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def _days(hours: Hours, days: tuple[int, ...] = EVERY_DAY) -> dict[int, Hours]:
    return {d: hours for d in days}


MON_SAT = (0, 1, 2, 3, 4, 5)


@dataclass(frozen=True)
class StateRule:
    """Allowed local hours per weekday (0 = Monday); a missing weekday means no calls that day."""

    hours: dict[int, Hours]
    no_holidays: bool = False
    max_calls_per_24h: int | None = None
    source: str = ""


FEDERAL = StateRule(hours=_days((8, 21)), source="TCPA 47 CFR 64.1200(c)(1)")

STATE_RULES: dict[str, StateRule] = {
    "AL": StateRule(
        _days((8, 20), MON_SAT), no_holidays=True, source="Ala. Code 8-19A (no Sundays/holidays)"
    ),
    "CT": StateRule(_days((9, 20)), source="Conn. Gen. Stat. 42-288a"),
    "FL": StateRule(_days((8, 20)), max_calls_per_24h=3, source="Fla. Stat. 501.616 (FTSA 2021)"),
    "LA": StateRule(_days((8, 20), MON_SAT), no_holidays=True, source="La. R.S. 45:844.17"),
    "MD": StateRule(_days((8, 20)), max_calls_per_24h=3, source="Md. Stop the Spam Calls Act 2023"),
    "MS": StateRule(_days((8, 20), MON_SAT), source="Miss. Code 77-3-725"),
    "OK": StateRule(_days((8, 20)), max_calls_per_24h=3, source="Okla. Telephone Solicitation Act 2022"),
    "RI": StateRule(
        {**_days((9, 18), (0, 1, 2, 3, 4)), 5: (10, 17)}, no_holidays=True, source="R.I. Gen. Laws 5-61-3.5"
    ),
    "TX": StateRule({**_days((9, 21), MON_SAT), 6: (12, 21)}, source="Tex. Bus. & Com. Code 301.051"),
    "UT": StateRule(_days((8, 21), MON_SAT), no_holidays=True, source="Utah Code 13-26-4"),
    "WA": StateRule(_days((8, 20)), source="RCW 80.36.390"),
}


@dataclass(frozen=True)
class EffectiveRule:
    """The federal rule intersected with the state's."""

    hours: dict[int, Hours] = field(default_factory=dict)
    no_holidays: bool = False
    max_calls_per_24h: int | None = None


def rule_for(state: str) -> EffectiveRule:
    state_rule = STATE_RULES.get(state.upper())
    if state_rule is None:
        return EffectiveRule(dict(FEDERAL.hours))
    hours: dict[int, Hours] = {}
    for day, (start, end) in state_rule.hours.items():
        fed = FEDERAL.hours.get(day)
        if fed is not None and max(start, fed[0]) < min(end, fed[1]):
            hours[day] = (max(start, fed[0]), min(end, fed[1]))
    return EffectiveRule(hours, state_rule.no_holidays, state_rule.max_calls_per_24h)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def holidays(year: int) -> frozenset[date]:
    """The holidays the no-holiday states have in common (fixed dates as listed, no observance
    shifts): New Year, Memorial Day, Independence Day, Labor Day, Thanksgiving, Christmas."""
    return frozenset(
        {
            date(year, 1, 1),
            _last_weekday(year, 5, 0),
            date(year, 7, 4),
            _nth_weekday(year, 9, 0, 1),
            _nth_weekday(year, 11, 3, 4),
            date(year, 12, 25),
        }
    )
