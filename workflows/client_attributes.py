"""A client workflow's own search attributes (stage, attempt, next call, outcome), upserted at
most once per workflow activation and only with what changed. Each upsert is a history event
and a visibility write on the server; a lifecycle step that moves the stage twice in one
activation (wrap-up, then the retry wait) used to upsert every attribute twice."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

Value = str | int | datetime | None


class ClientAttributes:
    """Holds the values last upserted and those set since; `set` schedules one flush at the end
    of the current activation (the workflow's event loop runs it before the task completes).
    `coalesce=False` upserts every set at once, as runs recorded before the change did."""

    def __init__(self) -> None:
        self._sent: dict[str, Value] = {}
        self._pending: dict[str, tuple[SearchAttributeKey[Any], Value]] = {}
        self._flush_scheduled = False

    def set(self, values: list[tuple[SearchAttributeKey[Any], Value]], *, coalesce: bool) -> None:
        if not coalesce:
            workflow.upsert_search_attributes([_update(key, value) for key, value in values])
            for key, value in values:
                self._sent[key.name] = value
            return
        for key, value in values:
            self._pending[key.name] = (key, value)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Upsert what changed since the last upsert (nothing when nothing did). Called by the
        scheduled callback, and directly before the workflow completes."""
        self._flush_scheduled = False
        changed = [
            (key, value)
            for name, (key, value) in self._pending.items()
            if self._sent.get(name) != value  # never set counts as unset
        ]
        self._pending.clear()
        if not changed:
            return
        workflow.upsert_search_attributes([_update(key, value) for key, value in changed])
        for key, value in changed:
            self._sent[key.name] = value


def _update(key: SearchAttributeKey[Any], value: Value) -> SearchAttributeUpdate[Any]:
    return key.value_unset() if value is None else key.value_set(value)
