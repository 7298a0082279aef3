"""Auditors read the audit log over the api: `GET /audit/entries` (keyset pages) and
`GET /audit/verify` (the hash-chain check). Only roles whose RULES grant reading all of
`audit_log` get in (today: auditor); refusals are audited by api.auth.

Reading the log is itself an access to be accounted for, so each successful call appends a
`read` entry on `audit_log` - after the read, so a page never contains its own entry, and in the
same unit of work, so no data leaves unless that entry is committed.

Needs a database, so the module exposes no `router` (api.app's auto-discovery skips it);
create_app calls `build_audit_router` when it is given one.

No `from __future__ import annotations`: FastAPI must resolve the locally built dependency
aliases at definition time.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import ApiKeyAuth
from db.models import AuditEntry
from db.repositories import audit
from db.repositories.outreach import as_utc
from db.session import Database
from security.roles import Actor

MAX_PAGE = audit.MAX_PAGE
PURPOSE_MAX = 200  # audit_log.purpose column width


class AuditEntryOut(BaseModel):
    """One entry with its chain links, so an auditor can recheck hashes offline."""

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str
    fields: list[str]
    purpose: str
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_after_seq: int | None  # pass as after_seq for the next page; null on the last page


class ChainCheck(BaseModel):
    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None
    problem: str


def _out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        seq=entry.id,
        at=as_utc(entry.at),
        actor=entry.actor,
        role=entry.role,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        fields=list(entry.fields),
        purpose=entry.purpose,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


async def _record_read(session: AsyncSession, actor: Actor, what: str, purpose: str) -> None:
    await audit.append_and_commit(
        session,
        audit.AuditRecord(
            actor.actor_id, actor.role.value, "read", "audit_log", what, (), purpose[:PURPOSE_MAX]
        ),
    )


def build_audit_router(database: Database, auth: ApiKeyAuth) -> APIRouter:
    """The /audit routes over `database`, admitting readers of `audit_log` only."""
    router = APIRouter(prefix="/audit", tags=["audit"])
    AuditReader = Annotated[Actor, Depends(auth.reader_of("audit_log"))]

    @router.get("/entries")
    async def entries(
        reader: AuditReader,
        after_seq: Annotated[int, Query(ge=0, description="return entries after this seq")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        by_actor: Annotated[str | None, Query(alias="actor", max_length=100)] = None,
        entity: Annotated[str | None, Query(max_length=40)] = None,
        entity_id: Annotated[str | None, Query(max_length=64)] = None,
        action: Annotated[str | None, Query(max_length=30)] = None,
    ) -> AuditPage:
        """Entries in chain order; filters narrow the page, paging stays keyset on seq."""
        filters = {"actor": by_actor, "entity": entity, "entity_id": entity_id, "action": action}
        async with database.session() as session:
            rows = await audit.list_entries(session, after_id=after_seq, limit=limit, **filters)
            described = " ".join(f"{k}={v}" for k, v in filters.items() if v is not None)
            await _record_read(
                session,
                reader,
                "entries",
                f"api GET /audit/entries after_seq={after_seq} limit={limit} {described}".strip(),
            )
        return AuditPage(
            entries=[_out(row) for row in rows],
            next_after_seq=rows[-1].id if len(rows) == limit else None,
        )

    @router.get("/verify")
    async def verify(reader: AuditReader) -> ChainCheck:
        """Recompute every link; `ok` false names the first entry that does not fit."""
        async with database.session() as session:
            result = await audit.verify_chain(session)
            await _record_read(session, reader, "verify", "api GET /audit/verify")
        return ChainCheck(
            ok=result.ok,
            entries=result.entries,
            head=result.head,
            first_bad_seq=result.first_bad_id,
            problem=result.problem,
        )

    return router
