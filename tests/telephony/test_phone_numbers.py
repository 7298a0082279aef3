"""E.164 normalisation: what may be dialled, and a clear non-retryable error for what may not."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.phone_numbers import (
    US_REGIONS,
    PhoneRegionNotAllowed,
    configure_allowed_regions,
    normalize_e164,
    parse_regions,
)
from domain.phone import InvalidPhoneNumber
from settings import Settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(202) 555-0123", "+12025550123"),
        ("202.555.0123", "+12025550123"),
        ("+1 202 555 0123", "+12025550123"),
        ("1-202-555-0123", "+12025550123"),
    ],
)
def test_valid_numbers_become_e164(raw: str, expected: str) -> None:
    assert normalize_e164(raw) == expected


def test_default_region_applies_to_national_numbers_of_an_allowed_region() -> None:
    assert normalize_e164("020 7183 8750", default_region="GB", allowed_regions={"GB"}) == "+442071838750"


@pytest.fixture
def restore_regions() -> Iterator[None]:
    yield
    configure_allowed_regions(US_REGIONS)


@pytest.mark.parametrize(
    "raw", [" +44 20 7183 8750 ", "+1 416 555 0123", "+33 1 42 68 53 00", "+52 55 1234 5678"]
)
def test_non_us_numbers_are_refused_by_default(raw: str) -> None:
    """Calling rules, DNC lists and consent law here are the US's; another country's number is
    refused until someone decides to allow it (GYDE_ALLOWED_PHONE_REGIONS)."""
    with pytest.raises(PhoneRegionNotAllowed) as caught:
        normalize_e164(raw)
    message = str(caught.value)
    assert "GYDE_ALLOWED_PHONE_REGIONS" in message
    assert not any(group in message for group in ("7183", "8750", "416", "5678"))
    assert isinstance(caught.value, InvalidPhoneNumber)  # non-retryable wherever it surfaces


@pytest.mark.parametrize("region", US_REGIONS)
def test_us_territories_are_us(region: str) -> None:
    number = phonenumbers.format_number(
        phonenumbers.example_number(region), phonenumbers.PhoneNumberFormat.E164
    )
    assert normalize_e164(number) == number


def test_configured_regions_become_the_default(restore_regions: None) -> None:
    configure_allowed_regions({"US", "GB"})
    assert normalize_e164("+44 20 7183 8750") == "+442071838750"
    with pytest.raises(PhoneRegionNotAllowed):
        normalize_e164("+33 1 42 68 53 00")


@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
def test_every_region_is_refused_unless_allowed(region: str) -> None:
    example = phonenumbers.example_number(region)
    if example is None:
        return
    number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    actual = phonenumbers.region_code_for_number(example)
    if actual in US_REGIONS:
        assert normalize_e164(number) == number
    else:
        with pytest.raises(PhoneRegionNotAllowed):
            normalize_e164(number)
    assert normalize_e164(number, allowed_regions={actual}) == number


def test_region_setting_is_validated() -> None:
    assert parse_regions(" us, pr ,GB") == frozenset({"US", "PR", "GB"})
    with pytest.raises(ValueError, match="XX"):
        parse_regions("US,XX")
    with pytest.raises(ValueError, match="at least one"):
        parse_regions(" , ")
    assert Settings(_env_file=None).allowed_phone_regions == ",".join(US_REGIONS)  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, allowed_phone_regions="US,Narnia")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",
        "+1 555 555 0100",
        "not a number",
        "+999 123",
        "+1202555",
        "Ann 212 555 0142",
        "2125550142 ext 5",
    ],
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
