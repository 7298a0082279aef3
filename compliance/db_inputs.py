"""Reads the gate's inputs from the database (the one impure part of compliance/).

The lead's `dial_gate` activity calls `gather_gate_inputs` then `compliance.gate.evaluate_dial`
and returns the GateDecision, so inputs and decision are recorded in workflow history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compliance.gate import FrequencyCaps, GateInputs
from db.models import CallAttempt, Client
from db.models_privacy import ConsentKind
from db.repositories.attempts import NOT_DIALLED
from db.repositories.consent import current_consent, is_on_national_dnc, is_suppressed
from db.repositories.errors import NotFound
from db.repositories.outreach import as_utc
from domain.messages import CallingWindow
from security.field_crypto import phone_hash

LOOKBACK = timedelta(days=8)


async def gather_gate_inputs(
    session: AsyncSession,
    client_id: str,
    campaign_id: str,
    now: datetime,
    *,
    window: CallingWindow | None = None,
    caps: FrequencyCaps | None = None,
    exclude_key: str | None = None,
) -> GateInputs:
    """`exclude_key`: the attempt being judged (its own row is not an earlier dial)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(f"unknown client {client_id!r}")
    hashed = getattr(client, "phone_hash", None) or phone_hash(client.phone)
    consent = await current_consent(session, client_id, ConsentKind.MARKETING)
    dialled: ColumnElement[bool] = CallAttempt.status.not_in(NOT_DIALLED)
    if exclude_key is not None:
        dialled = and_(dialled, CallAttempt.idempotency_key != exclude_key)
    attempts = (
        await session.execute(
            select(CallAttempt.created_at).where(
                CallAttempt.client_id == client_id, CallAttempt.created_at >= now - LOOKBACK, dialled
            )
        )
    ).scalars()
    campaign_attempts = (
        await session.execute(
            select(func.count())
            .select_from(CallAttempt)
            .where(CallAttempt.client_id == client_id, CallAttempt.campaign_id == campaign_id, dialled)
        )
    ).scalar_one()
    return GateInputs(
        now=now,
        client_id=client_id,
        campaign_id=campaign_id,
        client_timezone=client.timezone,
        client_state=client.state,
        internal_dnc=await is_suppressed(session, phone_hash_value=hashed, client_id=client_id),
        national_dnc=await is_on_national_dnc(session, phone_hash_value=hashed),
        marketing_consent=consent.granted,
        marketing_consent_expires_at=consent.expires_at,
        recent_attempts=tuple(sorted(as_utc(a) for a in attempts)),
        campaign_attempts=int(campaign_attempts),
        window=window or CallingWindow(),
        caps=caps or FrequencyCaps(),
    )
