"""Phone numbers in, E.164 out: every number we dial or compare is normalised here first, so a
typo fails fast as a non-retryable error instead of as a Twilio 400 after a retry storm.

Only numbers of the allowed regions pass (default: the US and its territories). Calling hours,
DNC registries and consent rules in this product are the US's; a number in another country is
refused until the deployment lists that region in GYDE_ALLOWED_PHONE_REGIONS. The composition
roots install the configured list with `configure_allowed_regions` (the dial path, screening,
client import and the simulator all normalise through this one function).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import phonenumbers

from domain.phone import InvalidPhoneNumber

# ISO 3166 regions phonenumbers uses for US numbers: the states and DC, then the territories.
US_REGIONS: tuple[str, ...] = ("US", "PR", "VI", "GU", "AS", "MP")

# What a written phone number may contain. phonenumbers would read "Call Ann 212 555 0142" as a
# number; a column holding words is a shifted or mistyped row, not a number to dial.
_PHONE_CHARS = re.compile(r"[0-9+\-.()/ \t]+")

_lock = threading.Lock()
_allowed: frozenset[str] = frozenset(US_REGIONS)


class PhoneRegionNotAllowed(InvalidPhoneNumber):
    """A valid number in a region this deployment does not call (non-retryable)."""


def parse_regions(spec: str | Iterable[str]) -> frozenset[str]:
    """ "US,PR,GB" (or an iterable) -> the set of region codes; unknown codes raise ValueError."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    regions = frozenset(item.strip().upper() for item in items if item.strip())
    if not regions:
        raise ValueError("GYDE_ALLOWED_PHONE_REGIONS needs at least one region code (e.g. US)")
    unknown = sorted(regions - phonenumbers.SUPPORTED_REGIONS)
    if unknown:
        raise ValueError(f"unknown phone region code(s) {', '.join(unknown)} (ISO 3166 alpha-2, e.g. US, PR)")
    return regions


def configure_allowed_regions(regions: str | Iterable[str]) -> None:
    """Install the process-wide allowed regions (composition roots, from settings)."""
    global _allowed
    parsed = parse_regions(regions)
    with _lock:
        _allowed = parsed


def allowed_regions() -> frozenset[str]:
    return _allowed


def normalize_e164(raw: str, default_region: str = "US", allowed_regions: Iterable[str] | None = None) -> str:
    """Return `raw` as E.164 (`+12025550123`) or raise InvalidPhoneNumber.

    Numbers without a leading `+` are read in `default_region`. Only numbers that phonenumbers
    considers valid (a real numbering plan range) pass; "possible" is not enough. A valid number
    outside `allowed_regions` (default: the configured ones) raises PhoneRegionNotAllowed. No
    message repeats the number: it is PHI.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhoneNumber("empty phone number")
    if not _PHONE_CHARS.fullmatch(raw.strip()):
        raise InvalidPhoneNumber("phone number may only hold digits, spaces and + - . ( ) /")
    try:
        parsed = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"unparseable phone number (error type {exc.error_type})") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("not a valid phone number")
    allowed = _allowed if allowed_regions is None else parse_regions(allowed_regions)
    region = phonenumbers.region_code_for_number(parsed)
    if region not in allowed:
        raise PhoneRegionNotAllowed(
            f"phone number region {region} is not allowed (GYDE_ALLOWED_PHONE_REGIONS={','.join(sorted(allowed))})"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
