"""When the per-state calling rules may be waived: only for calls into the local phone simulator.

Why a waiver at all: `make demo` and the end-to-end tests run campaigns at any hour of the day, and
their calls reach the simulator on this machine, never a person. The state hours, holiday and
24-hour rules exist to protect people, so for those calls they are waived; DNC, consent, the
campaign's own window and frequency caps still apply. Why so narrow: the waiver is refused unless
the Twilio API base is a loopback URL, so a configuration mistake cannot waive rules for real
calls, and the waiver text is written into every dial-gate decision in the workflow history.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

WAIVER_TEXT = "simulator: calls go to the local phone simulator ({base}), no person can be reached"


class WaiverRefused(ValueError):
    """The waiver was asked for while calls could reach the real telephone network."""


def _is_loopback(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def state_rules_waiver(requested: bool, twilio_api_base: str | None) -> str:
    """The waiver text to record ('' = enforce every rule); raises when it would be unsafe."""
    if not requested:
        return ""
    if not twilio_api_base or not _is_loopback(twilio_api_base):
        raise WaiverRefused(
            "GYDE_WAIVE_STATE_CALLING_RULES_FOR_SIMULATOR is only allowed while GYDE_TWILIO_API_BASE "
            "points at the local phone simulator (a loopback URL)"
        )
    return WAIVER_TEXT.format(base=twilio_api_base)
