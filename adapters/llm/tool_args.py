"""Tool-call arguments arrive as streamed JSON text; the turn engine needs a dict or a clear failure."""

from __future__ import annotations

import json
from typing import Any

from adapters.llm.base import ProviderError


def parse_arguments(provider: str, name: str, raw: str) -> dict[str, Any]:
    """Tool arguments must be a JSON object; anything else is a malformed stream."""
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise ProviderError(provider, f"tool call {name!r} has invalid JSON arguments") from exc
    if not isinstance(value, dict):
        raise ProviderError(provider, f"tool call {name!r} arguments are not an object")
    return value
