"""Online evaluation rows: record a finished call, count outcomes per prompt version (A/B), and
the human review queue (`gyde review`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from conversation.online import CallEvaluationRecord
from db.models_evals import CallEvaluation
from db.repositories.errors import NotFound
from db.session import Database

VERDICTS = frozenset({"good", "bad"})


async def record_call(db: Database, record: CallEvaluationRecord, *, now: datetime | None = None) -> None:
    """One row per call sid; a second report of the same call changes nothing (idempotent)."""
    async with db.session() as session:
        existing = (
            await session.execute(select(CallEvaluation.id).where(CallEvaluation.call_sid == record.call_sid))
        ).scalar()
        if existing is not None:
            return
        row = CallEvaluation(
            **asdict(record),
            review_status="pending" if record.flagged else "none",
            created_at=now or datetime.now(UTC),
        )
        session.add(row)
        await session.commit()


async def outcome_counts(db: Database, campaign_id: str | None = None) -> dict[str, dict[str, int]]:
    """{prompt_version: {outcome: calls}} - the A/B comparison."""
    query = select(CallEvaluation.prompt_version, CallEvaluation.outcome, func.count()).group_by(
        CallEvaluation.prompt_version, CallEvaluation.outcome
    )
    if campaign_id is not None:
        query = query.where(CallEvaluation.campaign_id == campaign_id)
    counts: dict[str, dict[str, int]] = {}
    async with db.session() as session:
        for version, outcome, count in (await session.execute(query)).all():
            counts.setdefault(version, {})[outcome] = int(count)
    return counts


def _item(r: CallEvaluation) -> dict[str, Any]:
    return {
        "id": r.id,
        "call_sid": r.call_sid,
        "campaign_id": r.campaign_id,
        "prompt_version": r.prompt_version,
        "outcome": r.outcome,
        "flag_reason": r.flag_reason,
        "status": r.review_status,
        "transcript": r.redacted_transcript or "",
        "verdict": r.verdict,
        "reviewer": r.reviewer,
        "notes": r.review_notes,
    }


async def review_queue(db: Database, status: str = "pending", limit: int = 50) -> list[dict[str, Any]]:
    query = (
        select(CallEvaluation)
        .where(CallEvaluation.flagged.is_(True), CallEvaluation.review_status == status)
        .order_by(CallEvaluation.created_at)
        .limit(limit)
    )
    async with db.session() as session:
        rows = (await session.execute(query)).scalars().all()
    return [_item(r) for r in rows]


async def review_item(db: Database, review_id: int) -> dict[str, Any]:
    async with db.session() as session:
        row = await session.get(CallEvaluation, review_id)
    if row is None or not row.flagged:
        raise NotFound(f"no review item {review_id}")
    return _item(row)


async def mark_reviewed(
    db: Database, review_id: int, *, reviewer: str, verdict: str, notes: str = "", now: datetime | None = None
) -> None:
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(sorted(VERDICTS))}")
    async with db.session() as session:
        row = await session.get(CallEvaluation, review_id)
        if row is None or not row.flagged:
            raise NotFound(f"no review item {review_id}")
        row.review_status, row.reviewer, row.verdict = "reviewed", reviewer, verdict
        row.review_notes, row.reviewed_at = notes, now or datetime.now(UTC)
        await session.commit()
