"""Errors the repositories raise; activities translate them into (non-)retryable failures."""


class NotFound(LookupError):
    """An id that names nothing: unknown client, campaign or broker."""


# The calendar port's errors: the local calendar (the appointments table) raises the same ones.
from adapters.scheduling.base import AlreadyBooked, SlotTaken  # noqa: E402

__all__ = ["AlreadyBooked", "NotFound", "SlotTaken"]
