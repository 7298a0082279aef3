"""PHI masking for logs: phones, e-mails, SSNs, date-only values (DOB-like) and the current
caller's known values are replaced before any handler sees a record - in the message, its args,
structured extras, exception text and stack - and in uncaught-exception output.

`install_redaction()` masks every record from every logger at creation, no matter which handlers
exist or are added later (pytest's caplog, a JSON handler, uvicorn's), and routes uncaught
exceptions (main thread and threads) through the same masking. `cli.main` installs it in every
`gyde` process (worker, api, media server, simulator, CLI commands). `RedactionFilter` is the
same logic as a `logging.Filter` for a single handler.

Shapes are in security/phi_patterns.py. Names cannot be recognised by shape, so the values of the
current call or request are known values: every value decrypted from (or encrypted into) a short
PHI column is remembered for the rest of the task that touched it (security/field_crypto.py calls
`remember`), so one activity, one api request or one media call masks exactly its own client's
name, e-mail, phone and SSN; `known_phi(...)` / `known_values(...)` declare more for a block.
Text that is URL-encoded (%2B1202..., April%2012%2C) is decoded and masked when it hides PHI.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, unquote_plus

from security.phi_patterns import MASK, mask_patterns

__all__ = ["MASK", "RedactionFilter", "install_redaction", "known_phi", "known_values", "redact", "remember"]

_known: ContextVar[frozenset[str]] = ContextVar("gyde_known_phi", default=frozenset())
_MAX_KNOWN = 256  # bound per task: a task reading thousands of rows keeps a bounded set
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")

_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

# Encrypted columns whose values are short enough to be recognised in text (field_crypto contexts).
_NAME_CONTEXTS = frozenset({"clients.first_name", "clients.last_name"})
_PHONE_CONTEXTS = frozenset({"clients.phone", "dnc_entries.phone"})
_TOKEN_CONTEXTS = frozenset({"clients.email", "outbox_emails.to_address"})
_SSN_CONTEXTS = frozenset({"clients.ssn"})


def _tokens(
    names: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    ssns: Iterable[str | None] = (),
) -> frozenset[str]:
    out: set[str] = set()
    for name in names:
        if name and len(name.strip()) >= 2:
            out.add(name.strip())
            out.update(part for part in re.split(r"[\s-]+", name.strip()) if len(part) >= 2)
    for phone in phones:
        digits = "".join(ch for ch in phone or "" if ch.isdigit())
        if len(digits) >= 7:
            out.update({digits, digits[-10:], (phone or "").strip()})
    for email in emails:
        if email and "@" in email:
            out.add(email.strip())
    for ssn in ssns:
        digits = "".join(ch for ch in ssn or "" if ch.isdigit())
        if len(digits) == 9:
            out.update({digits, f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"})
    return frozenset(out)


def _add(tokens: frozenset[str]) -> Any:
    current = _known.get()
    if tokens <= current:
        return None
    merged = current | tokens
    if len(merged) > _MAX_KNOWN:  # the new values always stay
        merged = tokens | frozenset(list(current - tokens)[: max(0, _MAX_KNOWN - len(tokens))])
    return _known.set(merged)


def remember(context: str, value: str) -> None:
    """Called by field encryption for each value it encrypts or decrypts: short PHI columns become
    known values of the current task (call, request, activity) from now on."""
    if context in _NAME_CONTEXTS:
        _add(_tokens(names=[value]))
    elif context in _PHONE_CONTEXTS:
        _add(_tokens(phones=[value]))
    elif context in _TOKEN_CONTEXTS:
        _add(_tokens(emails=[value]))
    elif context in _SSN_CONTEXTS:
        _add(_tokens(ssns=[value]))


@contextmanager
def known_values(
    *,
    names: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    ssns: Iterable[str | None] = (),
) -> Iterator[None]:
    """Mask these values (and their digit/dash spellings) in every record logged in this block."""
    reset = _add(_tokens(names, phones, emails, ssns))
    try:
        yield
    finally:
        if reset is not None:
            _known.reset(reset)


@contextmanager
def known_phi(*tokens: str | None) -> Iterator[None]:
    """Mask these exact words (names, a street...) in every record logged inside this context."""
    with known_values(names=tokens):
        yield


@lru_cache(maxsize=512)
def _token_pattern(tokens: frozenset[str]) -> re.Pattern[str]:
    ordered = sorted(tokens, key=len, reverse=True)
    return re.compile(
        r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(t) for t in ordered) + r")(?![A-Za-z0-9])", re.IGNORECASE
    )


def _mask(text: str, tokens: frozenset[str]) -> str:
    if tokens:
        text = _token_pattern(tokens).sub(MASK, text)
    return mask_patterns(text)


def redact(text: str, names: Iterable[str] = ()) -> str:
    """The masked form of `text`. URL-encoded text is decoded first when that reveals PHI."""
    tokens = _known.get() | frozenset(n for n in names if n)
    masked = _mask(text, tokens)
    if "%" in text and _PERCENT.search(text):
        for decode in (unquote, unquote_plus):  # query strings and form bodies ('+' = space)
            decoded = text
            for _ in range(3):  # %252B (double-encoded) included
                step = decode(decoded)
                if step == decoded:
                    break
                decoded = step
            masked_decoded = _mask(decoded, tokens)
            if masked_decoded != decoded:
                return masked_decoded
    return masked


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


def _masked_excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))


def _masked_thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    sys.stderr.write(redact(f"Exception in thread {getattr(args.thread, 'name', '?')}:\n{text}"))


_installed: list[Any] = []
_always: set[str] = set()  # names masked in every record while installed


def install_redaction(names: Iterable[str] = ()) -> None:
    """Mask every log record made from now on in this process, and uncaught exceptions
    (idempotent). Patches `logging.Logger.makeRecord` rather than the record factory because
    `extra=` fields are attached after the factory runs; this is the one place every record
    passes complete."""
    _always.update(n for n in names if n)  # a second install adds its names, never drops them
    if _installed:
        return
    original = logging.Logger.makeRecord

    def make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(self, *args, **kwargs)
        redact_record(record, frozenset(_always))
        return record

    _installed.append((original, sys.excepthook, threading.excepthook))
    logging.Logger.makeRecord = make_record  # type: ignore[method-assign]
    sys.excepthook = _masked_excepthook
    threading.excepthook = _masked_thread_hook


def is_installed() -> bool:
    return bool(_installed)


def uninstall_redaction() -> None:
    """Restore the originals (tests)."""
    if _installed:
        make_record, excepthook, thread_hook = _installed.pop()
        logging.Logger.makeRecord = make_record  # type: ignore[method-assign]
        sys.excepthook = excepthook
        threading.excepthook = thread_hook
    _always.clear()
