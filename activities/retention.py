"""Recording retention: find recordings past the retention period, delete each at the telephony
provider and then in the database, and leave a record (log line + audit entry) with ids only.

Each deletion is its own idempotent activity: the provider adapter treats "already gone" as
deleted, and the row delete is keyed by recording sid, so a retry after a crash is harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from db.models_privacy import Recording
from db.repositories import audit
from db.repositories.outreach import as_utc
from db.session import Database
from domain.messages.retention import (
    DeleteRecordingRequest,
    DeleteRecordingResult,
    ExpiredRecordings,
    ExpiredRecordingsRequest,
    RecordingRef,
)

logger = logging.getLogger("gyde.retention")
RETENTION_ACTOR = "system:retention"


class RecordingDeleter(Protocol):
    """The slice of adapters.telephony.base.Telephony retention needs (Twilio implements it)."""

    async def delete_recording(self, recording_sid: str) -> None:
        """Idempotent: a recording that is already gone counts as deleted."""
        ...


async def save_recording(
    session: AsyncSession,
    *,
    recording_sid: str,
    call_sid: str,
    client_id: str,
    campaign_id: str,
    created_at: datetime,
    duration_seconds: int = 0,
) -> bool:
    """Remember a recording so retention can find it (call when the provider reports one).
    Returns False when it was already known (webhook retries)."""
    known = (
        await session.execute(select(Recording.id).where(Recording.recording_sid == recording_sid))
    ).first()
    if known is not None:
        return False
    session.add(
        Recording(
            recording_sid=recording_sid,
            call_sid=call_sid,
            client_id=client_id,
            campaign_id=campaign_id,
            created_at=created_at,
            duration_seconds=duration_seconds,
        )
    )
    await session.flush()
    return True


class RetentionActivities:
    def __init__(self, database: Database, telephony: RecordingDeleter) -> None:
        self._db = database
        self._telephony = telephony

    @activity.defn
    async def find_expired_recordings(self, request: ExpiredRecordingsRequest) -> ExpiredRecordings:
        async with self._db.session() as session:
            rows = (
                await session.execute(
                    select(Recording.id, Recording.recording_sid, Recording.created_at)
                    .where(Recording.created_at < request.cutoff, Recording.id > request.after_id)
                    .order_by(Recording.id)
                    .limit(request.limit)
                )
            ).all()
        return ExpiredRecordings([RecordingRef(int(r[0]), str(r[1]), as_utc(r[2])) for r in rows])

    @activity.defn
    async def delete_expired_recording(self, request: DeleteRecordingRequest) -> DeleteRecordingResult:
        """Provider first, then the row: if the provider call fails the row stays and the next
        run retries; the reverse order could leave an audio file nobody knows about."""
        await self._telephony.delete_recording(request.recording_sid)
        async with self._db.session() as session:
            result = await session.execute(
                delete(Recording).where(Recording.recording_sid == request.recording_sid)
            )
            row_deleted = (getattr(result, "rowcount", 0) or 0) > 0
            await audit.append(
                session,
                audit.AuditRecord(
                    RETENTION_ACTOR,
                    "system",
                    "delete",
                    "recording",
                    request.recording_sid,
                    ("audio",),
                    f"retention: older than {request.retention_days} days",
                ),
            )
            await session.commit()
        logger.info(
            "retention: deleted recording %s (provider + database row=%s)", request.recording_sid, row_deleted
        )
        return DeleteRecordingResult(request.recording_sid, row_deleted)
