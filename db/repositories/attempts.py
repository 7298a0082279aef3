"""Dial attempts: one row per attempt key, which is also the lease that serialises the
executions of one attempt's place_call (a retry after a timeout may run while the first still
does), and the record of which carrier call the attempt made.

Status: `pending` (row exists, no dial yet: the gate has not passed or deferred it), `dialing`
(the gate passed and the carrier may have been asked: a retry must look for that call before
dialling again), `dialed` (the call sid is known), `ended`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CallAttempt
from db.repositories.idempotent import find_by_key, insert_once
from domain.messages import CallUsage

PENDING = "pending"
DIALING = "dialing"
DIALED = "dialed"
NOT_DIALLED = (PENDING,)


def _now() -> datetime:
    return datetime.now(UTC)


async def count_attempts(session: AsyncSession, campaign_id: str, client_id: str) -> int:
    """Attempts that reached (or may have reached) the carrier in this campaign."""
    result = await session.execute(
        select(func.count())
        .select_from(CallAttempt)
        .where(
            CallAttempt.campaign_id == campaign_id,
            CallAttempt.client_id == client_id,
            CallAttempt.status.not_in(NOT_DIALLED),
        )
    )
    return int(result.scalar_one())


async def record_attempt(
    session: AsyncSession,
    key: str,
    campaign_id: str,
    client_id: str,
    attempt: int,
    call_sid: str | None,
    status: str,
    result: str = "",
    at: datetime | None = None,
) -> tuple[CallAttempt, bool]:
    return await insert_once(
        session,
        CallAttempt,
        key,
        lambda: CallAttempt(
            idempotency_key=key,
            campaign_id=campaign_id,
            client_id=client_id,
            attempt=attempt,
            call_sid=call_sid,
            status=status,
            result=result,
            created_at=at or _now(),
        ),
    )


async def finish_attempt(
    session: AsyncSession,
    key: str,
    status: str,
    result: str,
    usage: CallUsage | None = None,
    duration_seconds: int = 0,
) -> None:
    """The attempt's result, and what the call consumed (the basis of cost per call)."""
    row = await find_by_key(session, CallAttempt, key)
    if row is None:
        return
    row.status, row.result = status, result
    row.duration_seconds = duration_seconds
    if usage is not None:
        row.stt_audio_seconds = usage.stt_audio_seconds
        row.llm_input_tokens = usage.llm_input_tokens
        row.llm_output_tokens = usage.llm_output_tokens
        row.tts_characters = usage.tts_characters
    await session.commit()


async def try_lease(session: AsyncSession, key: str, owner: str, until: datetime) -> bool:
    """Take the attempt's lease when it is free, expired or already ours (one atomic UPDATE, so
    two executions can never both hold it)."""
    now = _now()
    result = await session.execute(
        update(CallAttempt)
        .where(
            CallAttempt.idempotency_key == key,
            or_(
                CallAttempt.lease_owner.is_(None),
                CallAttempt.lease_until < now,
                CallAttempt.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return (getattr(result, "rowcount", 0) or 0) == 1


async def renew_lease(session: AsyncSession, key: str, owner: str, until: datetime) -> bool:
    """Extend our lease; False when it was lost (expired and taken by another execution)."""
    result = await session.execute(
        update(CallAttempt)
        .where(CallAttempt.idempotency_key == key, CallAttempt.lease_owner == owner)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return (getattr(result, "rowcount", 0) or 0) == 1


async def release_lease(session: AsyncSession, key: str, owner: str) -> None:
    await session.execute(
        update(CallAttempt)
        .where(CallAttempt.idempotency_key == key, CallAttempt.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def find(session: AsyncSession, key: str) -> CallAttempt | None:
    """The row by key; in a session that has not loaded it yet this is already a fresh read."""
    return await find_by_key(session, CallAttempt, key)


async def set_status(
    session: AsyncSession, row: CallAttempt, status: str, *, dial_started_at: datetime | None = None
) -> None:
    row.status = status
    if dial_started_at is not None:
        row.dial_started_at = dial_started_at
    await session.commit()


async def store_call(session: AsyncSession, row: CallAttempt, call_sid: str) -> None:
    row.call_sid = call_sid
    row.status = DIALED
    await session.commit()


async def sids_of_other_attempts(session: AsyncSession, sids: Iterable[str], key: str) -> set[str]:
    """Which of these carrier calls another attempt row already owns (so this one cannot adopt)."""
    wanted = list(sids)
    if not wanted:
        return set()
    rows = await session.execute(
        select(CallAttempt.call_sid).where(
            CallAttempt.call_sid.in_(wanted), CallAttempt.idempotency_key != key
        )
    )
    return {sid for sid in rows.scalars().all() if sid}
