"""`GET /calls`: the call log for auditors - every dial attempt with its status, result and what
it consumed (ids only). Readers of all of `call_attempt` only (auditors; a broker's own-rows
rule or a campaign manager's partial one does not admit). Each read is itself audited, like
reading the audit log.

Needs a database, so the module exposes no `router`; create_app calls `build_calls_router`.
No `from __future__ import annotations`: FastAPI resolves the local dependency alias."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import ApiKeyAuth
from api.schemas.brokers import CallLog, CallOut
from api.schemas.campaigns import ID_PATTERN
from db.models import CallAttempt
from db.repositories import audit
from db.repositories import brokers as repo
from db.repositories.outreach import as_utc
from db.session import Database
from security.roles import Actor


def call_out(row: CallAttempt) -> CallOut:
    return CallOut(
        id=row.id,
        campaign_id=row.campaign_id,
        client_id=row.client_id,
        attempt=row.attempt,
        call_sid=row.call_sid,
        status=row.status,
        result=row.result,
        created_at=as_utc(row.created_at),
        duration_seconds=row.duration_seconds or 0,
        stt_audio_seconds=row.stt_audio_seconds or 0.0,
        llm_input_tokens=row.llm_input_tokens or 0,
        llm_output_tokens=row.llm_output_tokens or 0,
        tts_characters=row.tts_characters or 0,
    )


def build_calls_router(database: Database, auth: ApiKeyAuth) -> APIRouter:
    router = APIRouter(prefix="/calls", tags=["auditors"])
    Auditor = Annotated[Actor, Depends(auth.reader_of("call_attempt"))]

    @router.get("")
    async def call_log(
        reader: Auditor,
        after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=repo.MAX_PAGE)] = 100,
        campaign_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
        client_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    ) -> CallLog:
        """Attempts in id order (keyset pages), optionally one campaign's or one client's."""
        async with database.session() as session:
            rows = await repo.call_log(
                session, after_id=after_id, limit=limit, campaign_id=campaign_id, client_id=client_id
            )
            filters = " ".join(f"{k}={v}" for k, v in (("campaign", campaign_id), ("client", client_id)) if v)
            await audit.append_and_commit(
                session,
                audit.AuditRecord(
                    reader.actor_id,
                    reader.role.value,
                    "read",
                    "call_attempt",
                    "call_log",
                    (),
                    f"api GET /calls after_id={after_id} limit={limit} {filters}".strip()[:200],
                ),
            )
        return CallLog(
            calls=[call_out(row) for row in rows],
            next_after_id=rows[-1].id if len(rows) == limit else None,
        )

    return router
