"""Callback times in natural language, resolved in the client's zone inside calling hours."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conversation.time_parse import parse_spoken_date, resolve_callback_time
from domain.messages import CallingWindow

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 10:00 New York, 09:00 Chicago
NY = "America/New_York"


def _local(text: str, zone: str = NY) -> tuple[str, bool, bool]:
    resolved = resolve_callback_time(text, NOW, zone)
    assert resolved is not None, text
    return resolved.local.strftime("%a %m-%d %H:%M"), resolved.ambiguous, resolved.clamped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thursday around three", ("Thu 12-03 15:00", True, False)),
        ("tomorrow morning", ("Tue 12-01 09:00", True, False)),
        ("next monday at 9:30 am", ("Mon 12-07 09:30", False, False)),
        ("tomorrow at 2 pm", ("Tue 12-01 14:00", False, False)),
        ("noon tomorrow", ("Tue 12-01 12:00", False, False)),
        ("half past four on friday", ("Fri 12-04 16:30", True, False)),
        ("in two hours", ("Mon 11-30 12:00", False, False)),
        ("December 3rd at 2", ("Thu 12-03 14:00", True, False)),
        ("Wednesday afternoon", ("Wed 12-02 14:00", True, False)),
    ],
)
def test_resolves_in_client_zone(text: str, expected: tuple[str, bool, bool]) -> None:
    assert _local(text) == expected


def test_same_words_resolve_per_time_zone() -> None:
    ny = resolve_callback_time("tomorrow at 2 pm", NOW, NY)
    la = resolve_callback_time("tomorrow at 2 pm", NOW, "America/Los_Angeles")
    assert ny is not None and la is not None
    assert (la.at - ny.at).total_seconds() == 3 * 3600


def test_outside_calling_hours_moves_into_the_window_and_is_confirmed() -> None:
    assert _local("call me at 10 pm") == ("Tue 12-01 08:00", True, True)
    resolved = resolve_callback_time("tomorrow at 7 am", NOW, NY, CallingWindow(9, 17))
    assert resolved is not None and resolved.local.hour == 9 and resolved.clamped


def test_nothing_time_like_gives_none_and_naive_now_is_an_error() -> None:
    assert resolve_callback_time("I have one question", NOW, NY) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        resolve_callback_time("tomorrow", datetime(2026, 11, 30, 10), NY)


@pytest.mark.parametrize(
    "text",
    [
        "03/04/1961",
        "1961-03-04",
        "Maria Lopez, March 4th, 1961",
        "4 March 1961",
        "march fourth nineteen sixty one",
        "March the 4th, nineteen sixty-one",
    ],
)
def test_dates_of_birth(text: str) -> None:
    assert parse_spoken_date(text) == date(1961, 3, 4)


def test_bad_dates_of_birth() -> None:
    assert parse_spoken_date("February 30th, 1961") is None
    assert parse_spoken_date("may I ask who is calling") is None
    assert parse_spoken_date("march twenty first nineteen sixty") == date(1960, 3, 21)
