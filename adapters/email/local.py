"""The local outbox: emails land in a table instead of leaving the machine."""

from __future__ import annotations

from db.models import OutboxEmail
from db.repositories.idempotent import insert_once
from db.repositories.outreach import short_id, utcnow
from db.session import Database


class LocalOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        async with self._db.session() as session:
            row, _ = await insert_once(
                session,
                OutboxEmail,
                key,
                lambda: OutboxEmail(
                    id=short_id("msg", key),
                    idempotency_key=key,
                    to_address=to_address,
                    subject=subject,
                    body=body,
                    template=template,
                    created_at=utcnow(),
                ),
            )
            return row.id
