"""PHI masking for logs: phones, emails, SSNs, date-only values (DOB-like) and known names are
replaced before any handler sees a record - in the message, its args, structured extras and
exception text.

`install_redaction()` masks every record from every logger at creation, no matter which
handlers exist or are added later (pytest's caplog, a JSON handler, uvicorn's). `RedactionFilter` is the same logic as a `logging.Filter` for a single handler.
Names are not recognisable by pattern: the code that knows them (the media server for the
current call) declares them with `known_phi("Margaret", "Holloway")` for the duration of a call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MASK = "[REDACTED]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{8,15}"  # E.164
    r"|(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"  # (555) 123-4567, 555-123-4567, 1 555 ...
    r"|1?\d{10}"  # 5551234567, 15551234567
    r")(?!\d)"
)
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# Date-only values look like birth dates; full timestamps (followed by a time) stay readable.
_DATE = re.compile(
    r"(?<!\d)(?:"
    r"\d{4}-\d{1,2}-\d{1,2}(?![T\d:]| \d{1,2}:)"
    r"|\d{1,2}/\d{1,2}/\d{2,4}(?!\d)"
    r"|" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}\s+" + _MONTHS + r"\s+\d{4}"
    r")",
    re.IGNORECASE,
)
_PATTERNS = (_EMAIL, _SSN, _PHONE, _DATE)

_known: ContextVar[frozenset[str]] = ContextVar("gyde_known_phi", default=frozenset())

_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


@contextmanager
def known_phi(*tokens: str | None) -> Iterator[None]:
    """Mask these exact words (names, a street...) in every record logged inside this context."""
    extra = frozenset(t.strip() for t in tokens if t and len(t.strip()) >= 2)
    reset = _known.set(_known.get() | extra)
    try:
        yield
    finally:
        _known.reset(reset)


def redact(text: str, names: Iterable[str] = ()) -> str:
    """The masked form of `text`."""
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    tokens = sorted(set(names) | _known.get(), key=len, reverse=True)
    if tokens:
        text = re.sub(
            r"\b(?:" + "|".join(re.escape(t) for t in tokens) + r")\b", MASK, text, flags=re.IGNORECASE
        )
    return text


def _redact_value(value: Any, names: Iterable[str]) -> Any:
    if isinstance(value, str):
        return redact(value, names)
    if isinstance(value, dict):
        return {k: _redact_value(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v, names) for v in value)
    return value


class RedactionFilter(logging.Filter):
    """Rewrites the record in place (never drops it). `names` are always-masked tokens."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__()
        self.names = frozenset(names)

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self.names)
        return True


def redact_record(record: logging.LogRecord, names: Iterable[str] = ()) -> None:
    if getattr(record, "_gyde_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the pieces, masked
        message = f"{record.msg} {record.args}"
    record.msg = redact(message, names)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text, names)
        record.exc_info = None  # formatters would otherwise re-render the raw exception
    if record.stack_info:
        record.stack_info = redact(record.stack_info, names)
    for key, value in list(record.__dict__.items()):
        if key not in _STANDARD_ATTRS and not key.startswith("_"):
            record.__dict__[key] = _redact_value(value, names)
    record._gyde_redacted = True


_installed: list[Any] = []


def install_redaction(names: Iterable[str] = ()) -> None:
    """Mask every log record made from now on in this process (idempotent).

    Patches `logging.Logger.makeRecord` rather than the record factory because `extra=` fields
    are attached after the factory runs; this is the one place every record passes complete."""
    if _installed:
        return
    original = logging.Logger.makeRecord
    fixed = frozenset(names)

    def make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(self, *args, **kwargs)
        redact_record(record, fixed)
        return record

    _installed.append(original)
    logging.Logger.makeRecord = make_record  # type: ignore[method-assign]


def uninstall_redaction() -> None:
    """Restore the original (tests)."""
    if _installed:
        logging.Logger.makeRecord = _installed.pop()  # type: ignore[method-assign]
