"""Text for the ear: numbers, prices, times and dates spelled the way a person says them, and a
sentence splitter so speech can start before a streamed reply is complete."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_IRREGULAR = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_MONTHS = ("January February March April May June July August September October November December").split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def number_to_words(n: int) -> str:
    """0 -> 'zero', 1961 -> 'one thousand nine hundred sixty-one' (up to the millions)."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[rest] if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + (" " + number_to_words(rest) if rest else "")
    for size, name in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            head, rest = divmod(n, size)
            return number_to_words(head) + f" {name}" + (" " + number_to_words(rest) if rest else "")
    raise AssertionError("unreachable")


def ordinal_words(n: int) -> str:
    """3 -> 'third', 21 -> 'twenty-first'."""
    words = number_to_words(n)
    head, sep, last = words.rpartition("-") if "-" in words else words.rpartition(" ")
    if last in _ORDINAL_IRREGULAR:
        last = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def speak_money(amount: Decimal) -> str:
    """Decimal('24.50') -> 'twenty-four dollars and fifty cents'."""
    cents_total = int((amount * 100).quantize(Decimal(1)))
    dollars, cents = divmod(cents_total, 100)
    parts = []
    if dollars or not cents:
        parts.append(f"{number_to_words(dollars)} dollar{'s' if dollars != 1 else ''}")
    if cents:
        parts.append(f"{number_to_words(cents)} cent{'s' if cents != 1 else ''}")
    return " and ".join(parts)


def speak_time(value: time | datetime) -> str:
    """15:00 -> 'three p.m.', 10:30 -> 'ten thirty a.m.', 9:05 -> 'nine oh five a.m.', 12:00 -> 'noon'."""
    hour, minute = value.hour, value.minute
    if (hour, minute) == (12, 0):
        return "noon"
    suffix = "a.m." if hour < 12 else "p.m."
    hour12 = hour % 12 or 12
    if minute == 0:
        minute_words = ""
    elif minute < 10:
        minute_words = " oh " + number_to_words(minute)
    else:
        minute_words = " " + number_to_words(minute)
    return f"{number_to_words(hour12)}{minute_words} {suffix}"


def speak_date(value: date | datetime, *, weekday: bool = True) -> str:
    """2026-12-03 -> 'Thursday, December third'."""
    text = f"{_MONTHS[value.month - 1]} {ordinal_words(value.day)}"
    return f"{_WEEKDAYS[value.weekday()]}, {text}" if weekday else text


def speak_datetime(value: datetime) -> str:
    """An aware local datetime -> 'Thursday, December third at three p.m.'."""
    return f"{speak_date(value)} at {speak_time(value)}"


_MONEY = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?")
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s?([AaPp])\.?\s?[Mm]\.?(?=[\s,.;!?]|$)")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_PERCENT = re.compile(r"\b(\d+)\s?%")


def _money_sub(match: re.Match[str]) -> str:
    whole = match.group(1).replace(",", "")
    cents = (match.group(2) or "0").ljust(2, "0")
    try:
        return speak_money(Decimal(f"{whole}.{cents}"))
    except InvalidOperation:  # pragma: no cover - the regex only admits digits
        return match.group(0)


def _clock_sub(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return match.group(0)
    pm = match.group(3).lower() == "p"
    hour24 = (hour % 12) + (12 if pm else 0)
    return speak_time(time(hour24, minute))


def _date_sub(match: re.Match[str]) -> str:
    try:
        return speak_date(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    except ValueError:
        return match.group(0)


def to_speech(text: str) -> str:
    """Rewrite prices, clock times, ISO dates and percentages as spoken words; the rest is kept."""
    text = _MONEY.sub(_money_sub, text)
    text = _CLOCK.sub(_clock_sub, text)
    text = _ISO_DATE.sub(_date_sub, text)
    text = _PERCENT.sub(lambda m: f"{number_to_words(int(m.group(1)))} percent", text)
    text = re.sub(r"(?<=[ap]\.m\.)\.", "", text)  # "at ten a.m.." where a sentence ends on a time
    return re.sub(r"\s+", " ", text).strip()


# --- parsing spoken numbers back (the guardrails read amounts and times in either form) -------

_WORD_VALUES: dict[str, int] = {w: i for i, w in enumerate(_ONES)}
_WORD_VALUES.update({w: 10 * i for i, w in enumerate(_TENS) if w != "_"})


def words_to_int(tokens: list[str]) -> int | None:
    """['twenty', 'four'] -> 24; ['one', 'hundred', 'five'] -> 105; None when not a number."""
    if not tokens:
        return None
    total, current = 0, 0
    for raw in tokens:
        token = raw.lower()
        if token.isdigit():
            current += int(token)
        elif token in _WORD_VALUES:
            current += _WORD_VALUES[token]
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    return total + current


NUMBER_WORDS = frozenset(_WORD_VALUES) | {"hundred", "thousand"}


def number_tokens(text: str) -> list[str]:
    """Lower-case word tokens with hyphenated numbers split ('twenty-four' -> 'twenty', 'four')."""
    return re.findall(r"[a-z0-9']+|\.", text.lower().replace("-", " "))


# --- sentences --------------------------------------------------------------------------------

_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "a.m.", "p.m.", "e.g.", "i.e.", "vs.")
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*\s+")


def _is_boundary(text: str, end: int, next_char: str) -> bool:
    before = text[:end].rstrip().lower()
    if any(before.endswith(abbr) for abbr in _ABBREVIATIONS):
        # "at three p.m. Does that work?" still splits; "p.m. on Thursday" does not.
        return next_char.isupper() and not before.endswith(("mr.", "mrs.", "ms.", "dr.", "st."))
    return True


def split_sentences(text: str) -> list[str]:
    """Whole text -> sentences, keeping decimals, times and titles intact."""
    stream = SentenceStream()
    out = stream.feed(text)
    out.extend(stream.flush())
    return out


class SentenceStream:
    """Incremental splitter: feed streamed deltas, get complete sentences as soon as they end."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        sentences: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(self._buffer):
            next_index = match.end()
            if next_index >= len(self._buffer):
                break  # the next sentence has not started: wait to see its first letter
            if not _is_boundary(self._buffer, match.end(), self._buffer[next_index]):
                continue
            sentence = self._buffer[start : match.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
        self._buffer = self._buffer[start:]
        return sentences

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer.strip(), ""
        return [rest] if rest else []
