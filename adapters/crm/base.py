"""CRM: where brokers see what happened with their clients."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class CrmError(RuntimeError):
    """A CRM failure worth retrying (network, 5xx, lock contention, rate limits)."""


class CrmRejected(CrmError):
    """The CRM refuses the request as made (bad field, no access, expired session without a
    way to log in again): non-retryable; fix the org or the configuration."""


class Crm(Protocol):
    async def write_outcome(
        self, key: str, client_id: str, campaign_id: str, outcome: str, note: str, appointment_id: str | None
    ) -> str:
        """Record a call outcome once per key; return the CRM record id."""
        ...

    async def create_task(
        self, key: str, client_id: str, broker_id: str, subject: str, due_at: datetime
    ) -> str: ...
