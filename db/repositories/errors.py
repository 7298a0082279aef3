"""Errors the repositories raise; activities translate them into (non-)retryable failures."""


class NotFound(LookupError):
    """An id that names nothing: unknown client, campaign or broker."""


class SlotTaken(Exception):
    """Another client already holds this broker slot."""


class AlreadyBooked(Exception):
    """The client already has an appointment in this campaign."""
