"""The voicemail Emma leaves on an answering machine: no PHI. No client name at all (anyone may
hear a machine), no plan, no product, no reason beyond a generic one; only the broker's business
name and a callback number, spoken digit by digit."""

from __future__ import annotations

import re

from conversation.speech_text import number_to_words


def speak_phone_number(number: str) -> str:
    """'+1 (555) 010-2030' -> 'five five five, zero one zero, two zero three zero'."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError("callback number must be a 10-digit US number (optionally with +1)")
    groups = (digits[:3], digits[3:6], digits[6:])
    return ", ".join(" ".join(number_to_words(int(d)) for d in group) for group in groups)


def voicemail_text(business_name: str, callback_number: str) -> str:
    """The whole message. Raises ValueError on a missing business name or a bad number."""
    if not business_name.strip():
        raise ValueError("voicemail needs the broker's business name")
    spoken = speak_phone_number(callback_number)
    return (
        f"Hello, this is Emma, an AI assistant calling on behalf of {business_name.strip()}. "
        f"Please call us back at {spoken}. "
        f"Again, that's {spoken}. Thank you, and have a good day."
    )
