"""Promise: log output never carries phones, emails, SSNs, birth dates or the current caller's
name - in the message, its %-args, `extra` fields or exception text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from security.redaction import (
    MASK,
    RedactionFilter,
    install_redaction,
    known_phi,
    redact,
    uninstall_redaction,
)


@pytest.mark.parametrize(
    "text",
    [
        "+15551234567",
        "+447911123456",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "1-555-123-4567",
        "+1 555 123 4567",
        "5551234567",
        "margaret.holloway@example.com",
        "123-45-6789",
        "1948-03-02",
        "03/02/1948",
        "3/2/48",
        "March 2, 1948",
        "2 Mar 1948",
    ],
)
def test_each_phi_shape_is_masked(text: str) -> None:
    out = redact(f"caller said {text} ok")
    assert text not in out and MASK in out and out.startswith("caller said") and out.endswith("ok")


@pytest.mark.parametrize(
    "text",
    [
        "workflow outreach:camp-1:c42 attempt 3",
        "call CA0123456789abcdef0123456789abcdef ended",
        "next call at 2026-11-24T14:00:00+00:00",
        "retry in 3600 seconds; status 200",
    ],
)
def test_operational_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_known_names_are_masked_only_inside_their_context() -> None:
    with known_phi("Margaret", "Holloway", None, "x"):
        assert redact("Hi Margaret HOLLOWAY, this is Emma") == f"Hi {MASK} {MASK}, this is Emma"
    assert redact("Hi Margaret") == "Hi Margaret"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s %(client)s"))
    logger = logging.getLogger("gyde.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    install_redaction(names=["Holloway"])
    yield logger, stream
    uninstall_redaction()
    logger.removeHandler(handler)


def test_installed_redaction_covers_args_extras_and_exceptions(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    with known_phi("Margaret"):
        logger.info("dialing %s for %s", "+15551234567", "Margaret", extra={"client": {"dob": "1948-03-02"}})
        try:
            raise ValueError("bad ssn 123-45-6789 for Holloway")
        except ValueError:
            logger.exception("lookup failed", extra={"client": "margaret@example.com"})
    output = stream.getvalue()
    for phi in ("5551234567", "Margaret", "1948", "123-45-6789", "Holloway", "margaret@example.com"):
        assert phi not in output, phi
    assert "Traceback" in output and "ValueError" in output  # the exception is still there, masked


def test_filter_on_a_handler_works_without_install() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactionFilter(names=["Margaret"]))
    logger = logging.getLogger("gyde.test.filter")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning("%s", json.dumps({"name": "Margaret", "phone": "+15551234567"}))
    logger.removeHandler(handler)
    assert "Margaret" not in stream.getvalue() and "+1555" not in stream.getvalue()


def test_install_is_idempotent_and_reversible() -> None:
    original = logging.Logger.makeRecord
    install_redaction()
    patched = logging.Logger.makeRecord
    install_redaction()
    assert logging.Logger.makeRecord is patched is not original
    uninstall_redaction()
    assert logging.Logger.makeRecord is original
