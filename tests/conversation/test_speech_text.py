"""Text for the ear and the streaming sentence splitter."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from conversation.speech_text import (
    SentenceStream,
    number_to_words,
    ordinal_words,
    speak_date,
    speak_money,
    speak_time,
    split_sentences,
    to_speech,
    words_to_int,
)


@pytest.mark.parametrize(
    ("amount", "spoken"),
    [
        ("24.50", "twenty-four dollars and fifty cents"),
        ("1", "one dollar"),
        ("0.99", "ninety-nine cents"),
        ("1200", "one thousand two hundred dollars"),
        ("61.75", "sixty-one dollars and seventy-five cents"),
    ],
)
def test_money(amount: str, spoken: str) -> None:
    assert speak_money(Decimal(amount)) == spoken


@pytest.mark.parametrize(
    ("value", "spoken"),
    [
        (time(15), "three p.m."),
        (time(10, 30), "ten thirty a.m."),
        (time(9, 5), "nine oh five a.m."),
        (time(12), "noon"),
        (time(0, 15), "twelve fifteen a.m."),
    ],
)
def test_times(value: time, spoken: str) -> None:
    assert speak_time(value) == spoken


def test_dates_and_ordinals() -> None:
    assert speak_date(date(2026, 12, 3)) == "Thursday, December third"
    assert speak_date(datetime(2026, 11, 21, 9)) == "Saturday, November twenty-first"
    assert [ordinal_words(n) for n in (1, 2, 12, 20, 22, 30)] == [
        "first",
        "second",
        "twelfth",
        "twentieth",
        "twenty-second",
        "thirtieth",
    ]
    assert number_to_words(1961) == "one thousand nine hundred sixty-one"


def test_to_speech_rewrites_prices_times_dates_and_percentages() -> None:
    text = "It is $24.50 a month. Call at 3:00 PM on 2026-12-03, or 10:30am. Save 20%."
    assert to_speech(text) == (
        "It is twenty-four dollars and fifty cents a month. Call at three p.m. on Thursday, December third, "
        "or ten thirty a.m. Save twenty percent."
    )
    assert to_speech("at ten a.m.. Which") == "at ten a.m. Which"


def test_words_to_int() -> None:
    assert words_to_int(["twenty", "four"]) == 24
    assert words_to_int(["one", "hundred", "five"]) == 105
    assert words_to_int(["banana"]) is None


def test_split_keeps_decimals_times_and_titles() -> None:
    assert split_sentences(
        "Hi Maria. It costs $24.50 a month. We can talk at 3 p.m. Does that work? Dr. Lee is in."
    ) == [
        "Hi Maria.",
        "It costs $24.50 a month.",
        "We can talk at 3 p.m.",
        "Does that work?",
        "Dr. Lee is in.",
    ]
    assert split_sentences("Call at 3 p.m. on Thursday.") == ["Call at 3 p.m. on Thursday."]


def test_stream_yields_each_sentence_as_soon_as_the_next_begins() -> None:
    stream = SentenceStream()
    assert stream.feed("Hello Mar") == []
    assert stream.feed("ia. How") == ["Hello Maria."]
    assert stream.feed(" are you? I") == ["How are you?"]
    assert stream.flush() == ["I"]
    assert stream.flush() == []
