"""CRM: where brokers see what happened with their clients."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Crm(Protocol):
    async def write_outcome(
        self, key: str, client_id: str, campaign_id: str, outcome: str, note: str, appointment_id: str | None
    ) -> str:
        """Record a call outcome once per key; return the CRM record id."""
        ...

    async def create_task(
        self, key: str, client_id: str, broker_id: str, subject: str, due_at: datetime
    ) -> str: ...
