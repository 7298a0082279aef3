"""Recording retention: find recordings past the retention period, delete each at the telephony
provider and then in the database, and leave a record (log line + audit entry) with ids only.

Each deletion is its own idempotent activity: the provider adapter treats "already gone" as
deleted, and the row delete is keyed by recording sid, so a retry after a crash is harmless.
"""

from __future__ import annotations

import logging
from typing import Protocol

from temporalio import activity

from db.repositories import audit, recordings
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


class RetentionActivities:
    def __init__(self, database: Database, telephony: RecordingDeleter) -> None:
        self._db = database
        self._telephony = telephony

    @activity.defn
    async def find_expired_recordings(self, request: ExpiredRecordingsRequest) -> ExpiredRecordings:
        async with self._db.session() as session:
            rows = await recordings.expired(session, request.cutoff, request.after_id, request.limit)
        return ExpiredRecordings([RecordingRef(row_id, sid, created) for row_id, sid, created in rows])

    @activity.defn
    async def delete_expired_recording(self, request: DeleteRecordingRequest) -> DeleteRecordingResult:
        """Provider first, then the row: if the provider call fails the row stays and the next
        run retries; the reverse order could leave an audio file nobody knows about."""
        await self._telephony.delete_recording(request.recording_sid)
        async with self._db.session() as session:
            row_deleted = await recordings.forget(session, request.recording_sid)
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
