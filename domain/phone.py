"""Marker error for invalid phone numbers; parsing lives in adapters (phonenumbers)."""


class InvalidPhoneNumber(ValueError):
    """A phone number that cannot be dialled. Non-retryable everywhere it surfaces."""
