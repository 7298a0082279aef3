"""Spoken numbers to digits with text2num ('twenty-seven' -> '27', 'ninth' -> '9th', Spanish
'mil novecientos' -> '1900'), plus what it leaves to us: years said in two halves
('nineteen fifty-five' -> '19 55' -> '1955') and 'oh' for zero ('nine oh five')."""

from __future__ import annotations

import re
from functools import lru_cache

from text_to_num import alpha2digit

from conversation.nlu.normalise import asr_joins, fold

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12, "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}  # fmt: skip
MONTH_PATTERN = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_SPANISH_NUMBER = re.compile(
    r"\b(?:uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|"
    r"dieci\w+|veint\w+|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa|cien|ciento|mil|"
    r"novecientos|ochocientos|primero)\b"
)


_REPEATED_WORD = re.compile(r"\b([a-z]+)((?:\s+\1\b)+)")
_NUMBER_WORDS = frozenset(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred "
    "thousand".split()
)


def _keep_numbers(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1) in _NUMBER_WORDS else match.group(1)


@lru_cache(maxsize=2048)
def digits(text: str) -> str:
    """Folded text with every spoken number as digits and split years joined."""
    text = asr_joins(fold(text))
    text = re.sub(r"\b(?:um+|uh+|er+|erm|like|you know|i mean|okay so)\b", " ", text)
    text = _REPEATED_WORD.sub(_keep_numbers, text)  # "march march" -> "march"; "eleven eleven" stays
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    if _SPANISH_NUMBER.search(text):
        text = alpha2digit(text, "es", threshold=0)
    text = alpha2digit(text, "en", threshold=0)
    text = re.sub(r"\b(?:oh|o|zero)\s+(\d)\b", r"0\1", text)  # "nine oh five" -> "9 05"
    # "19 61" / "19 05" -> "1961"; "20 10" -> "2010" (a century then two digits is one year)
    # ... but "09 20 19 62" (a month, the 20th) is 1962, not 2019 then 62, and "may 18 19 56"
    # (the 18th) is 1956: before a century and two digits, a day is a day.
    text = re.sub(r"\b(1[89]|20)\s+(19|20)\s+(\d{2})\b", r"\1 \2\3", text)
    text = re.sub(r"\b(1[89]|20)\s+(\d{2})\b(?!\s*(?:am|pm|a\.m|p\.m|o'?clock))", r"\1\2", text)
    text = re.sub(
        r"\b(1[89]|20)\s+hundred(?:\s+and)?\s+(\d{1,2})\b",
        lambda m: f"{m.group(1)}{int(m.group(2)):02d}",
        text,
    )
    return re.sub(r"[ \t]{2,}", " ", text)  # "half uh past" -> "half past", not "half   past"
