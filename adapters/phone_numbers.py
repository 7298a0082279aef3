"""Phone numbers in, E.164 out: every number we dial or compare is normalised here first, so a
typo fails fast as a non-retryable error instead of as a Twilio 400 after a retry storm."""

from __future__ import annotations

import phonenumbers

from domain.phone import InvalidPhoneNumber


def normalize_e164(raw: str, default_region: str = "US") -> str:
    """Return `raw` as E.164 (`+12025550123`) or raise InvalidPhoneNumber.

    Numbers without a leading `+` are read in `default_region`. Only numbers that phonenumbers
    considers valid (a real numbering plan range) pass; "possible" is not enough.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhoneNumber("empty phone number")
    try:
        parsed = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"unparseable phone number (error type {exc.error_type})") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
