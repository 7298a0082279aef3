"""Structured logs: one JSON object per line with the ids that tie a line to its call and
workflow (`call_sid`, `workflow_id`, `campaign_id`, `activity`), and nothing else about people.

PHI masking is not done here: security.redaction.install_redaction() masks every record when it
is created (message, arguments, extras, tracebacks), so this formatter only ever sees masked
records. Ids come from three places: `bind_ids(...)` (the media server binds a call's ids for
its session task), the Temporal SDK's own context extras (`temporal_workflow`,
`temporal_activity`), and explicit `extra={...}` keys of the same names.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

ID_KEYS = ("call_sid", "workflow_id", "run_id", "campaign_id", "activity", "workflow_type")
_bound: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("gyde_log_ids", default=())


def _merged(ids: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple({**dict(_bound.get()), **{k: v for k, v in ids.items() if v}}.items())


@contextmanager
def bind_ids(**ids: str) -> Iterator[None]:
    """Every record logged by this task inside the block carries these ids."""
    token = _bound.set(_merged(ids))
    try:
        yield
    finally:
        _bound.reset(token)


def set_ids(**ids: str) -> None:
    """Bind ids for the rest of the current task (a media session's task, say)."""
    _bound.set(_merged(ids))


def _temporal_ids(record: logging.LogRecord) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr, mapping in (
        (
            "temporal_workflow",
            {"workflow_id": "workflow_id", "run_id": "run_id", "workflow_type": "workflow_type"},
        ),
        ("temporal_activity", {"workflow_id": "workflow_id", "activity_type": "activity"}),
    ):
        extra = getattr(record, attr, None)
        if isinstance(extra, dict):
            out.update({ours: str(extra[theirs]) for theirs, ours in mapping.items() if extra.get(theirs)})
    return out


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "process", "logger", "message", <ids>, "exc"?}` per line."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self._process = process

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "process": self._process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(dict(_bound.get()))
        entry.update(_temporal_ids(record))
        for key in ID_KEYS:
            value = getattr(record, key, None)
            if isinstance(value, str | int) and value != "":
                entry[key] = str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str)


def configure(level: str, process: str, log_format: str) -> None:
    """Root logging for a long-running process: text (human) or json (machines)."""
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter(process))
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(level)
        return
    logging.basicConfig(level=level, format=f"%(asctime)s {process} %(levelname)s %(name)s: %(message)s")
