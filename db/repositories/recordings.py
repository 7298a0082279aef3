"""Recordings held at the carrier, remembered so retention can delete them when due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models_privacy import Recording
from db.repositories.outreach import as_utc


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


async def expired(
    session: AsyncSession, cutoff: datetime, after_id: int, limit: int
) -> list[tuple[int, str, datetime]]:
    """(row id, recording sid, created at) of recordings older than `cutoff`, by row id."""
    rows = (
        await session.execute(
            select(Recording.id, Recording.recording_sid, Recording.created_at)
            .where(Recording.created_at < cutoff, Recording.id > after_id)
            .order_by(Recording.id)
            .limit(limit)
        )
    ).all()
    return [(int(r[0]), str(r[1]), as_utc(r[2])) for r in rows]


async def forget(session: AsyncSession, recording_sid: str) -> bool:
    """Remove the row once the carrier deleted the audio; False when it was already gone."""
    result = await session.execute(delete(Recording).where(Recording.recording_sid == recording_sid))
    return (getattr(result, "rowcount", 0) or 0) > 0
