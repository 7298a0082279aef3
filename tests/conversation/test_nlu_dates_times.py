"""Dates of birth and requested times as people say them, on text2num and dateparser; a
property-based round trip over every spoken style of a date of birth."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversation.nlu.dates import full_year, parse_date_of_birth
from conversation.nlu.times import parse_time_request
from evals.render import DOB_STYLES

TODAY = date(2026, 11, 30)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4/12/80", date(1980, 4, 12)),
        ("twenty-seven January 1991", date(1991, 1, 27)),
        ("the ninth of December, nineteen fifty-five", date(1955, 12, 9)),
        ("twelve thirty-one ninety-nine", date(1999, 12, 31)),
        ("March 4th, 1961", date(1961, 3, 4)),
        ("oh three oh four sixty one", date(1961, 3, 4)),
        ("I was born in 1961, on March fourth", date(1961, 3, 4)),
        ("nineteen sixty-one, March the fourth", date(1961, 3, 4)),
        ("Mar. 4 '61", date(1961, 3, 4)),
        ("cuatro de marzo de mil novecientos sesenta y uno", date(1961, 3, 4)),
        ("um, march, uh, march fourth, sixty-one", date(1961, 3, 4)),
        ("the 13th of May two thousand and one", date(2001, 5, 13)),
        ("25/12/1970", date(1970, 12, 25)),
    ],
)
def test_dates_of_birth(text: str, expected: date) -> None:
    assert parse_date_of_birth(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["February 30th, 1961", "March 4th", "may I ask who is calling", "in 2030", ""]
)
def test_not_a_full_date_of_birth(text: str) -> None:
    assert parse_date_of_birth(text, TODAY) is None


def test_two_digit_years_leave_an_adult() -> None:
    assert full_year(80, TODAY) == 1980
    assert full_year(5, TODAY) == 2005  # 21 years old
    assert full_year(15, TODAY) == 1915  # 2015 would be a child


@settings(max_examples=150, deadline=None)
@given(
    born=st.dates(min_value=date(1930, 1, 1), max_value=date(2006, 12, 31)),
    style=st.integers(min_value=0, max_value=100),
    split=st.sampled_from(["train", "heldout"]),
)
def test_every_spoken_style_round_trips(born: date, style: int, split: str) -> None:
    styles = DOB_STYLES[split]
    spoken = styles[style % len(styles)](born)
    assert parse_date_of_birth(spoken, TODAY) == born, spoken


@pytest.mark.parametrize(
    ("text", "days", "clock", "earliest", "latest"),
    [
        ("Monday at 2", (date(2026, 11, 30),), time(14), None, None),
        ("Tuesday afternoon", (date(2026, 12, 1),), None, time(12), time(17)),
        ("anything after 3", None, None, time(15), None),
        ("Thursday at 10:30", (date(2026, 12, 3),), time(10, 30), None, None),
        ("thursday at ten thirty", (date(2026, 12, 3),), time(10, 30), None, None),
        ("tomorrow at 5", (date(2026, 12, 1),), time(17), None, None),
        ("next monday at 9:30 am", (date(2026, 12, 7),), time(9, 30), None, None),
        ("before noon on friday", (date(2026, 12, 4),), None, None, time(12)),
        ("between 2 and 4 on wednesday", (date(2026, 12, 2),), None, time(14), time(16)),
        ("the 14th at 3 pm", (date(2026, 12, 14),), time(15), None, None),
        ("December second at eleven", (date(2026, 12, 2),), time(11), None, None),
        ("mañana a las tres y media de la tarde", (date(2026, 12, 1),), time(15, 30), None, None),
        ("el jueves por la mañana", (date(2026, 12, 3),), None, time(8), time(12)),
        ("how about twos day at ten o'clock", (date(2026, 12, 1),), time(10), None, None),
    ],
)
def test_requested_times(
    text: str, days: tuple[date, ...] | None, clock: time | None, earliest: time | None, latest: time | None
) -> None:
    request = parse_time_request(text, TODAY)
    assert (request.days, request.clock, request.earliest, request.latest) == (days, clock, earliest, latest)


@pytest.mark.parametrize("text", ["the first one", "I have 2 kids", "one more question", "yes please"])
def test_words_that_are_not_times(text: str) -> None:
    assert parse_time_request(text, TODAY).empty


def test_a_range_allows_only_what_was_asked() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    request = parse_time_request("Tuesday afternoon", TODAY)
    assert request.allows(datetime(2026, 12, 1, 14, 30, tzinfo=zone))
    assert not request.allows(datetime(2026, 12, 1, 10, 0, tzinfo=zone))
    assert not request.allows(datetime(2026, 12, 2, 14, 30, tzinfo=zone))
