"""Append-only audit log with a SHA-256 hash chain.

Each entry's hash = SHA-256(prev_hash || canonical JSON of the entry), so editing, deleting or
reordering any entry breaks every later link; `verify_chain` finds the first broken one. Removing
entries from the END cannot be seen from the chain alone: `verify_chain` returns the head hash and
count so an operator can anchor them elsewhere (`gyde audit verify --expect-head`).

Entries are added in the caller's session, so a PHI access and its audit record commit together.
A unique index on prev_hash (db/models_privacy.py) stops two writers from forking the chain, and
appenders are serialised (see `append`) so they do not collide at all.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

import db.models_privacy  # noqa: F401  (the prev_hash unique index)
from db.models import AuditEntry
from db.repositories.outreach import as_utc

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x6779646541554454  # "gydeAUDT"


@dataclass(frozen=True)
class AuditRecord:
    """What happened; no PHI values, only field names."""

    actor: str
    role: str
    action: str  # read | write | deny_read | deny_write | decode | delete | export ...
    entity: str
    entity_id: str
    fields: tuple[str, ...] = ()
    purpose: str = ""


def canonical_json(entry: AuditEntry) -> str:
    body = {
        "at": as_utc(entry.at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "fields": list(entry.fields),
        "purpose": entry.purpose,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256((entry.prev_hash + canonical_json(entry)).encode()).hexdigest()


async def _head(session: AsyncSession, before_id: int | None = None) -> str:
    query = select(AuditEntry.hash)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    result = await session.execute(query.order_by(AuditEntry.id.desc()).limit(1))
    return result.scalar_one_or_none() or GENESIS


async def append(session: AsyncSession, record: AuditRecord, *, at: datetime | None = None) -> AuditEntry:
    """Add one entry at the chain head (flushed, not committed: the caller's unit of work).

    Appenders are serialised so the chain never forks and no writer has to retry: PostgreSQL takes
    an advisory transaction lock; SQLite has one write lock per database, so the entry is
    inserted first (taking that lock until the caller commits) and linked to the head after."""
    dialect = (await session.connection()).dialect.name
    if dialect == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    when = as_utc(at) if at is not None else datetime.now(UTC)
    pending = f"pending:{uuid.uuid4().hex}"  # unique placeholders until the entry is linked
    entry = AuditEntry(
        at=when,
        actor=record.actor,
        role=record.role,
        action=record.action,
        entity=record.entity,
        entity_id=record.entity_id,
        fields=sorted(record.fields),
        purpose=record.purpose,
        prev_hash=pending,
        hash=pending,
    )
    if dialect == "sqlite":
        session.add(entry)
        await session.flush()  # now this transaction holds SQLite's write lock
        entry.prev_hash = await _head(session, before_id=entry.id)
    else:
        entry.prev_hash = await _head(session)  # before add: autoflush must not insert a placeholder
        session.add(entry)
    entry.hash = entry_hash(entry)
    await session.flush()
    return entry


async def append_and_commit(session: AsyncSession, record: AuditRecord) -> AuditEntry:
    """An entry that is its own unit of work (a refusal, a read of the log, a key issued)."""
    entry = await append(session, record)
    await session.commit()
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head: str
    first_bad_id: int | None = None
    problem: str = ""


async def verify_chain(session: AsyncSession, *, batch: int = 1000) -> VerifyResult:
    """Walk the whole log in id order, recomputing every link (streamed in batches)."""
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows: Sequence[AuditEntry] = (
            (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return VerifyResult(True, count, prev)
        for entry in rows:
            if entry.prev_hash != prev:
                return VerifyResult(
                    False, count, prev, entry.id, "prev_hash does not match the previous entry"
                )
            if entry_hash(entry) != entry.hash:
                return VerifyResult(False, count, prev, entry.id, "entry content does not match its hash")
            prev = entry.hash
            count += 1
            last_id = entry.id


MAX_PAGE = 1000


async def list_entries(
    session: AsyncSession,
    *,
    after_id: int = 0,
    limit: int = 100,
    entity_id: str | None = None,
    actor: str | None = None,
    entity: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """Keyset page of entries for auditors, optionally narrowed to who, what kind of record, which
    record and what action (the API authorises the auditor role before calling)."""
    query = select(AuditEntry).where(AuditEntry.id > after_id)
    for column, value in (
        (AuditEntry.actor, actor),
        (AuditEntry.entity, entity),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.action, action),
    ):
        if value is not None:
            query = query.where(column == value)
    result = await session.execute(query.order_by(AuditEntry.id).limit(min(limit, MAX_PAGE)))
    return list(result.scalars().all())


async def count_entries(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())
