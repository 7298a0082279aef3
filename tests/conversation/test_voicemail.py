"""Voicemail carries no PHI: the broker's business name and a callback number only."""

from __future__ import annotations

import pytest

from conversation.personas import SIM_CLIENT
from conversation.voicemail import speak_phone_number, voicemail_text


def test_voicemail_has_business_name_and_number_and_nothing_about_the_client() -> None:
    text = voicemail_text("Whitfield Benefits", "+1 (555) 010-2030")
    assert "Whitfield Benefits" in text
    assert "five five five, zero one zero, two zero three zero" in text
    record = SIM_CLIENT.model_dump()
    for value in (
        record["first_name"],
        record["last_name"],
        record["current_plan"],
        "dental",
        "vision",
        "1961",
    ):
        assert value.lower() not in text.lower()


def test_bad_voicemail_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="10-digit"):
        speak_phone_number("12345")
    with pytest.raises(ValueError, match="business name"):
        voicemail_text("  ", "+15550102030")
