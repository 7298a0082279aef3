"""Outgoing email."""

from __future__ import annotations

from typing import Protocol


class EmailDeliveryError(RuntimeError):
    """The message could not be handed over now (network, SMTP 4xx): retry later."""


class EmailRejected(EmailDeliveryError):
    """The mail server refused permanently (SMTP 5xx: unknown recipient, bad credentials): a
    retry would be refused again."""


class EmailSender(Protocol):
    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        """Send once per key; return the message id (the first one on a repeat)."""
        ...
