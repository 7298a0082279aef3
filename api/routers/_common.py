"""Small helpers the Twilio routers share: XML responses and strict parameter parsing."""

from __future__ import annotations

import re

from fastapi import HTTPException, Response

CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
RECORDING_SID = re.compile(r"^RE[0-9a-f]{32}$")


def xml(body: str) -> Response:
    return Response(content=body, media_type="application/xml")


def no_content() -> Response:
    return Response(status_code=204)


def require(params: dict[str, str], name: str, pattern: re.Pattern[str] | None = None) -> str:
    """A required webhook parameter, or 400 naming it (never echoing its value: it may be PHI)."""
    value = params.get(name, "")
    if not value or (pattern is not None and not pattern.fullmatch(value)):
        raise HTTPException(status_code=400, detail=f"missing or malformed {name}")
    return value


def optional_int(params: dict[str, str], name: str, default: int = 0) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=f"malformed {name}") from exc
