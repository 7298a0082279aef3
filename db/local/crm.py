"""The local CRM: notes and tasks in our own database (product code for demo and offline use)."""

from __future__ import annotations

from datetime import datetime

from db.models import CrmNote, CrmTask
from db.repositories.idempotent import insert_once
from db.repositories.outreach import short_id, utcnow
from db.session import Database


class LocalCrm:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def write_outcome(
        self, key: str, client_id: str, campaign_id: str, outcome: str, note: str, appointment_id: str | None
    ) -> str:
        async with self._db.session() as session:
            row, _ = await insert_once(
                session,
                CrmNote,
                key,
                lambda: CrmNote(
                    id=short_id("note", key),
                    idempotency_key=key,
                    client_id=client_id,
                    campaign_id=campaign_id,
                    outcome=outcome,
                    body=note,
                    appointment_id=appointment_id,
                    created_at=utcnow(),
                ),
            )
            return row.id

    async def create_task(
        self, key: str, client_id: str, broker_id: str, subject: str, due_at: datetime
    ) -> str:
        async with self._db.session() as session:
            row, _ = await insert_once(
                session,
                CrmTask,
                key,
                lambda: CrmTask(
                    id=short_id("task", key),
                    idempotency_key=key,
                    client_id=client_id,
                    broker_id=broker_id,
                    subject=subject,
                    due_at=due_at,
                    status="open",
                ),
            )
            return row.id
