"""Outgoing email."""

from __future__ import annotations

from typing import Protocol


class EmailDeliveryError(RuntimeError):
    """The message could not be handed over now (network, SMTP 4xx): retry later."""


class EmailRejected(EmailDeliveryError):
    """The mail server refused permanently (SMTP 5xx: unknown recipient, bad credentials): a
    retry would be refused again."""


class OutboxLedger(Protocol):
    """Where each email is recorded once per key before it is sent (db/local/outbox.py's table):
    the ledger that makes a retried send a no-op."""

    async def claim(
        self, key: str, to_address: str, subject: str, body: str, template: str
    ) -> tuple[str, bool]:
        """(message id, created): created is False when `key` was claimed before."""
        ...

    async def release(self, key: str) -> None:
        """Forget a claim whose delivery failed, so the retry sends it."""
        ...


class EmailSender(Protocol):
    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        """Send once per key; return the message id (the first one on a repeat)."""
        ...
