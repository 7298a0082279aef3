"""Outgoing email."""

from __future__ import annotations

from typing import Protocol


class EmailSender(Protocol):
    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        """Send once per key; return the message id (the first one on a repeat)."""
        ...
