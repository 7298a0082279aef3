"""The local outbox: emails land in a table instead of leaving the machine."""

from __future__ import annotations

from sqlalchemy import delete

from db.models import OutboxEmail
from db.repositories.idempotent import insert_once
from db.repositories.outreach import short_id, utcnow
from db.session import Database


async def record_once(
    db: Database, key: str, to_address: str, subject: str, body: str, template: str
) -> tuple[OutboxEmail, bool]:
    """The outbox row for `key`, written once; (row, created). Both email adapters use it as
    their ledger, so a retried activity never sends twice."""
    async with db.session() as session:
        return await insert_once(
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


class OutboxTable:
    """adapters.email.base.OutboxLedger on the outbox_emails table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self, key: str, to_address: str, subject: str, body: str, template: str
    ) -> tuple[str, bool]:
        row, created = await record_once(self._db, key, to_address, subject, body, template)
        return row.id, created

    async def release(self, key: str) -> None:
        async with self._db.session() as session:
            await session.execute(delete(OutboxEmail).where(OutboxEmail.idempotency_key == key))
            await session.commit()


class LocalOutbox:
    """Implements adapters.email.base.EmailSender: the email lands in the table and stops there."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        row, _ = await record_once(self._db, key, to_address, subject, body, template)
        return row.id
