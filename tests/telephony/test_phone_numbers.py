"""E.164 normalisation: what may be dialled, and a clear non-retryable error for what may not."""

from __future__ import annotations

import pytest

from adapters.phone_numbers import normalize_e164
from domain.phone import InvalidPhoneNumber


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(202) 555-0123", "+12025550123"),
        ("202.555.0123", "+12025550123"),
        ("+1 202 555 0123", "+12025550123"),
        ("1-202-555-0123", "+12025550123"),
        (" +44 20 7183 8750 ", "+442071838750"),
    ],
)
def test_valid_numbers_become_e164(raw: str, expected: str) -> None:
    assert normalize_e164(raw) == expected


def test_default_region_applies_to_national_numbers() -> None:
    assert normalize_e164("020 7183 8750", default_region="GB") == "+442071838750"


@pytest.mark.parametrize(
    "raw", ["", "   ", "12345", "+1 555 555 0100", "not a number", "+999 123", "+1202555"]
)
def test_invalid_numbers_raise_invalid_phone_number(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_e164(raw)


def test_the_error_does_not_echo_the_number() -> None:
    """Phone numbers are PHI: the message explains, it does not repeat."""
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalize_e164("+1 555 555 0100")
    assert "555" not in str(caught.value)


def test_invalid_phone_number_is_a_value_error() -> None:
    assert issubclass(InvalidPhoneNumber, ValueError)
