"""Consent ledger, permanent suppression and the national Do-Not-Call list.

"Stop calling me" is recorded by `record_opt_out` as ONE unit: the internal DNC row (keyed by
phone hash and client id, so every campaign sees it) and the marketing-consent withdrawal are
added together, so no state exists where one happened without the other.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client, DncEntry
from db.models_privacy import ConsentKind, ConsentRecord, NationalDncNumber
from db.repositories import audit
from db.repositories.errors import NotFound
from db.repositories.outreach import as_utc
from db.session import Database
from domain.phone import InvalidPhoneNumber
from security.field_crypto import normalise_phone, phone_hash

CONSENT_KINDS = frozenset({ConsentKind.RECORDING, ConsentKind.MARKETING})


@dataclass(frozen=True)
class ConsentState:
    """The latest consent event of one kind for a client (granted None = never asked)."""

    granted: bool | None
    at: datetime | None = None
    method: str = ""
    call_sid: str | None = None
    expires_at: datetime | None = None


async def record_consent(
    session: AsyncSession,
    *,
    idempotency_key: str,
    client_id: str,
    kind: str,
    granted: bool,
    method: str,
    recorded_by: str,
    at: datetime,
    call_sid: str | None = None,
    campaign_id: str | None = None,
    expires_at: datetime | None = None,
) -> ConsentRecord:
    """Append a consent event; the same idempotency key returns the first row (activity retries)."""
    if kind not in CONSENT_KINDS:
        raise ValueError(f"unknown consent kind {kind!r}; expected one of {sorted(CONSENT_KINDS)}")
    if at.tzinfo is None:
        raise ValueError("consent time must be timezone-aware")
    existing = (
        await session.execute(select(ConsentRecord).where(ConsentRecord.idempotency_key == idempotency_key))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    row = ConsentRecord(
        idempotency_key=idempotency_key,
        client_id=client_id,
        kind=kind,
        granted=granted,
        method=method,
        call_sid=call_sid,
        campaign_id=campaign_id,
        recorded_by=recorded_by,
        at=at,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return row


async def current_consent(session: AsyncSession, client_id: str, kind: str) -> ConsentState:
    row = (
        await session.execute(
            select(ConsentRecord)
            .where(ConsentRecord.client_id == client_id, ConsentRecord.kind == kind)
            .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is None:
        return ConsentState(None)
    expires = as_utc(row.expires_at) if row.expires_at is not None else None
    return ConsentState(row.granted, as_utc(row.at), row.method, row.call_sid, expires)


async def consent_history(session: AsyncSession, client_id: str) -> list[ConsentRecord]:
    result = await session.execute(
        select(ConsentRecord).where(ConsentRecord.client_id == client_id).order_by(ConsentRecord.id)
    )
    return list(result.scalars().all())


@dataclass(frozen=True)
class OptOutResult:
    dnc_added: bool
    consent_recorded: bool


async def record_opt_out(
    session: AsyncSession,
    *,
    idempotency_key: str,
    client_id: str,
    campaign_id: str | None,
    call_sid: str | None,
    source: str,
    at: datetime,
) -> OptOutResult:
    """Permanent, cross-campaign suppression + marketing-consent withdrawal, in the caller's
    transaction (flushed; the activity commits once). Idempotent on `idempotency_key`."""
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(f"unknown client {client_id!r}")
    hashed = phone_hash(client.phone)
    await audit.append(
        session,
        audit.AuditRecord(
            "system:opt_out", "system", "read", "client", client_id, ("phone",), "do-not-call suppression"
        ),
    )
    already = await is_suppressed(session, phone_hash_value=hashed, client_id=client_id)
    if not already:
        session.add(
            DncEntry(phone=client.phone, phone_hash=hashed, client_id=client_id, source=source, created_at=at)
        )
    before = (
        await session.execute(
            select(ConsentRecord.id).where(ConsentRecord.idempotency_key == idempotency_key)
        )
    ).first()
    await record_consent(
        session,
        idempotency_key=idempotency_key,
        client_id=client_id,
        kind=ConsentKind.MARKETING,
        granted=False,
        method=source,
        recorded_by="system:opt_out",
        at=at,
        call_sid=call_sid,
        campaign_id=campaign_id,
    )
    await session.flush()
    return OptOutResult(dnc_added=not already, consent_recorded=before is None)


async def is_suppressed(
    session: AsyncSession,
    *,
    phone: str | None = None,
    phone_hash_value: str | None = None,
    client_id: str | None = None,
) -> bool:
    """On the internal DNC list, by phone (any format) or keyed hash, or by client id."""
    if phone is not None:
        phone_hash_value = phone_hash(phone)
    conditions = []
    if phone_hash_value is not None:
        conditions.append(DncEntry.phone_hash == phone_hash_value)
    if client_id is not None:
        conditions.append(DncEntry.client_id == client_id)
    if not conditions:
        raise ValueError("is_suppressed needs a phone, a phone hash or a client id")
    return (await session.execute(select(DncEntry.id).where(or_(*conditions)).limit(1))).first() is not None


async def is_on_national_dnc(
    session: AsyncSession, *, phone: str | None = None, phone_hash_value: str | None = None
) -> bool:
    value = phone_hash(phone) if phone is not None else phone_hash_value
    if value is None:
        raise ValueError("is_on_national_dnc needs a phone or a phone hash")
    row = (
        await session.execute(select(NationalDncNumber.id).where(NationalDncNumber.phone_hash == value))
    ).first()
    return row is not None


@dataclass(frozen=True)
class DncImportResult:
    lines: int
    added: int
    already_listed: int
    invalid: int


def iter_dnc_numbers(text: str) -> Iterator[str | None]:
    """Numbers from a plain list (one per line) or a CSV (the FTC registry's "area code,number"
    rows, or a number in the first column). Yields None for a line that holds no number."""
    for row in csv.reader(io.StringIO(text)):
        cells = [c.strip() for c in row if c.strip()]
        if not cells:
            continue
        digits = ["".join(ch for ch in c if ch.isdigit()) for c in cells]
        if len(digits) >= 2 and len(digits[0]) == 3 and len(digits[1]) == 7:
            candidate = digits[0] + digits[1]
        else:
            candidate = cells[0]
        try:
            yield normalise_phone(candidate)
        except InvalidPhoneNumber:
            yield None


async def import_national_dnc(
    database: Database, path: Path | str, *, list_name: str = "national", batch: int = 5000
) -> DncImportResult:
    """Load a national DNC file; only keyed hashes are stored. Re-importing is harmless."""
    text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8-sig")
    lines = added = already = invalid = 0
    pending: dict[str, None] = {}
    now = datetime.now(UTC)

    async def flush() -> tuple[int, int]:
        if not pending:
            return 0, 0
        hashes = list(pending)
        pending.clear()
        async with database.session() as session:
            known = set(
                (
                    await session.execute(
                        select(NationalDncNumber.phone_hash).where(NationalDncNumber.phone_hash.in_(hashes))
                    )
                )
                .scalars()
                .all()
            )
            fresh = [h for h in hashes if h not in known]
            session.add_all(
                NationalDncNumber(phone_hash=h, list_name=list_name, imported_at=now) for h in fresh
            )
            await session.commit()
        return len(fresh), len(known)

    for number in iter_dnc_numbers(text):
        lines += 1
        if number is None:
            invalid += 1
            continue
        hashed = phone_hash(number)
        if hashed in pending:
            already += 1
            continue
        pending[hashed] = None
        if len(pending) >= batch:
            a, k = await flush()
            added, already = added + a, already + k
    a, k = await flush()
    return DncImportResult(lines, added + a, already + k, invalid)
