"""Every spelling a leaked value could take, for the leak scans (logs, tables, histories).

Written independently of the redaction patterns on purpose: a scan that derived its needles from
the code it checks could never find that code's gaps. Phones in E.164, national, digits-only,
dashed, dotted, spaced, parenthesised, RFC 3966, URL-encoded and read aloud digit by digit; dates
in ISO, US and day-first numeric forms with two- and four-digit years, compact, written out with
month names and ordinals, spoken in words, and URL-encoded; e-mails plain and URL-encoded; SSNs
with dashes, spaces or none; names alone, in full, "Last, First" and URL-encoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import quote, quote_plus

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_ONES = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
    " thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
_ORDINAL_TENS = {20: "twentieth", 30: "thirtieth"}


def number_words(n: int, sep: str = "-") -> str:
    """0..99 in words: 42 -> "forty-two" (sep " " gives "forty two")."""
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"{sep}{_ONES[ones]}" if ones else "")


def ordinal_words(n: int, sep: str = "-") -> str:
    """1..31 as an ordinal: 21 -> "twenty-first"."""
    if n < 20:
        return _ORDINAL_ONES[n]
    tens, ones = divmod(n, 10)
    if not ones:
        return _ORDINAL_TENS[n]
    return _TENS[tens] + sep + _ORDINAL_ONES[ones]


def year_words(year: int, sep: str = "-") -> list[str]:
    """How a year is said: 1980 -> "nineteen eighty", 1905 -> "nineteen oh five", 2003 -> "two
    thousand three" / "two thousand and three"."""
    century, rest = divmod(year, 100)
    if year >= 2000 and year < 2010:
        tail = f" {_ONES[rest]}" if rest else ""
        return [f"two thousand{tail}", f"two thousand and {_ONES[rest]}"] if rest else ["two thousand"]
    head = number_words(century, sep)
    if rest == 0:
        return [f"{head} hundred"]
    if rest < 10:
        return [f"{head} oh {_ONES[rest]}", f"{head} o {_ONES[rest]}"]
    return [f"{head} {number_words(rest, sep)}"]


def _url_forms(text: str) -> list[str]:
    return [quote(text, safe=""), quote_plus(text, safe="")]


def phone_spellings(phone: str) -> list[str]:
    digits = "".join(ch for ch in phone if ch.isdigit())
    national = digits[-10:]
    area, exchange, line = national[:3], national[3:6], national[6:]
    out = [
        phone,
        f"+1{national}",
        f"1{national}",
        national,
        f"({area}) {exchange}-{line}",
        f"({area}){exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        f"+1 {area} {exchange} {line}",
        f"+1 {area}-{exchange}-{line}",
        f"+1-{area}-{exchange}-{line}",
        f"+1 ({area}) {exchange}-{line}",
        f"1-{area}-{exchange}-{line}",
        f"1 ({area}) {exchange}-{line}",
        f"1.{area}.{exchange}.{line}",
        f"tel:+1-{area}-{exchange}-{line}",
    ]
    for written in (f"+1{national}", f"+1 {area} {exchange} {line}", f"({area}) {exchange}-{line}"):
        out += _url_forms(written)
    out += [
        " ".join(_ONES[int(d)] for d in national),
        ", ".join(_ONES[int(d)] for d in national),
        " ".join("oh" if d == "0" else _ONES[int(d)] for d in national),
    ]
    return out


def date_spellings(day: date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    yy = f"{y % 100:02d}"
    month, mon = f"{day:%B}", f"{day:%b}"
    suffix = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    numeric = [
        day.isoformat(),
        f"{y}/{m:02d}/{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{m:02d}{d:02d}{y}",
        f"{m}/{d}/{y}",
        f"{m:02d}/{d:02d}/{y}",
        f"{m}/{d}/{yy}",
        f"{m:02d}/{d:02d}/{yy}",
        f"{m}-{d}-{y}",
        f"{m:02d}-{d:02d}-{y}",
        f"{m}-{d}-{yy}",
        f"{d:02d}-{m:02d}-{y}",
        f"{d}-{m}-{y}",
        f"{d:02d}/{m:02d}/{y}",
        f"{d:02d}.{m:02d}.{y}",
        f"{m:02d}.{d:02d}.{y}",
        f"{d}.{m}.{y}",
    ]
    written = [
        f"{month} {d}, {y}",
        f"{month} {d} {y}",
        f"{month} {d}{suffix}, {y}",
        f"{month} {d}{suffix} {y}",
        f"{mon} {d}, {y}",
        f"{mon}. {d}, {y}",
        f"{d} {month} {y}",
        f"{d} {mon} {y}",
        f"{d}{suffix} of {month} {y}",
        f"{d}{suffix} of {month}, {y}",
    ]
    if mon == "Sep":
        written.append(f"Sept {d}, {y}")
    spoken: list[str] = []
    for sep in ("-", " "):
        for year in year_words(y, sep):
            ordinal = ordinal_words(d, sep)
            spoken += [
                f"{month} {ordinal}, {year}",
                f"{month} {ordinal} {year}",
                f"{month} {number_words(d, sep)}, {year}",
                f"{month} {number_words(d, sep)} {year}",
                f"the {ordinal} of {month}, {year}",
                f"the {ordinal} of {month} {year}",
                f"{ordinal} of {month} {year}",
            ]
    encoded = [
        form
        for text in (f"{m}/{d}/{y}", f"{month} {d}, {y}", f"{m:02d}/{d:02d}/{y}")
        for form in _url_forms(text)
    ]
    return numeric + written + spoken + encoded


def email_spellings(email: str) -> list[str]:
    return [email, *_url_forms(email)]


def ssn_spellings(ssn: str) -> list[str]:
    digits = "".join(ch for ch in ssn if ch.isdigit())
    return [
        ssn,
        digits,
        f"{digits[:3]} {digits[3:5]} {digits[5:]}",
        f"{digits[:3]}-{digits[3:5]}-{digits[5:]}",
    ]


def name_spellings(first: str, last: str) -> list[str]:
    full = f"{first} {last}"
    return [first, last, full, f"{last}, {first}", f"{last} {first}", *_url_forms(full)]


def spellings(
    *,
    names: Iterable[tuple[str, str]] = (),
    phones: Iterable[str] = (),
    dates: Iterable[date] = (),
    emails: Iterable[str] = (),
    ssns: Iterable[str] = (),
) -> list[str]:
    """Every needle for these values (de-duplicated, order kept)."""
    out: list[str] = []
    for first, last in names:
        out += name_spellings(first, last)
    for phone in phones:
        out += phone_spellings(phone)
    for day in dates:
        out += date_spellings(day)
    for email in emails:
        out += email_spellings(email)
    for ssn in ssns:
        out += ssn_spellings(ssn)
    return list(dict.fromkeys(s for s in out if s))
