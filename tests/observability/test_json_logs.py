"""Promise: with GYDE_LOG_FORMAT=json every line is one JSON object carrying the call and
workflow ids (bound by the media session, or Temporal's own context) and never PHI: records are
masked when created (security/redaction.py), before this formatter sees them."""

from __future__ import annotations

import contextvars
import io
import json
import logging

from observability.logs import JsonFormatter, bind_ids, set_ids
from security.redaction import install_redaction


def _logger() -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("media"))
    logger = logging.getLogger("gyde.test.jsonlogs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, out


def _lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_lines_carry_bound_call_and_workflow_ids_and_mask_phi() -> None:
    install_redaction()
    logger, out = _logger()
    with bind_ids(call_sid="CA" + "1" * 32, workflow_id="outreach:camp-1:cli-1"):
        logger.info("caller said their number is %s", "+1 (312) 555-0199")
    logger.info("outside the call")
    first, second = _lines(out)
    assert first["call_sid"] == "CA" + "1" * 32 and first["workflow_id"] == "outreach:camp-1:cli-1"
    assert (
        first["process"] == "media" and first["level"] == "INFO" and first["logger"] == "gyde.test.jsonlogs"
    )
    assert "555-0199" not in json.dumps(first) and "caller said their number is" in str(first["message"])
    assert "call_sid" not in second


def test_temporal_context_and_explicit_extras_become_fields() -> None:
    install_redaction()
    logger, out = _logger()
    logger.info(
        "activity step",
        extra={
            "temporal_activity": {"workflow_id": "outreach:c:k", "activity_type": "place_call", "attempt": 1},
            "campaign_id": "camp-9",
        },
    )
    [line] = _lines(out)
    assert (line["workflow_id"], line["activity"], line["campaign_id"]) == (
        "outreach:c:k",
        "place_call",
        "camp-9",
    )


def test_set_ids_lasts_for_the_task_and_exceptions_are_masked_too() -> None:
    contextvars.copy_context().run(_set_ids_and_fail)  # a task of its own, like a media session


def _set_ids_and_fail() -> None:
    install_redaction()
    logger, out = _logger()
    set_ids(call_sid="CA" + "2" * 32)
    try:
        raise ValueError("bad dob 1961-04-12 for jane@example.com")
    except ValueError:
        logger.exception("turn failed")
    [line] = _lines(out)
    assert line["call_sid"] == "CA" + "2" * 32
    assert "1961-04-12" not in str(line["exc"]) and "jane@example.com" not in str(line["exc"])
    assert "ValueError" in str(line["exc"])
