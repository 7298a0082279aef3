"""The durable promises (DESIGN.md's invariants), checked after each simulated client from the
carrier's record of calls, the database and the workflow's result."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from compliance.gate import within_calling_hours
from db.models import Appointment, CrmNote, DncEntry, OutboxEmail
from db.models import Client as ClientRow
from db.models_privacy import Recording
from db.repositories.outreach import is_dnc
from db.session import Database
from domain.enums import CallResult, Outcome
from domain.messages import OutreachResult
from sim.scripted_phone import End, OptOut, RecordingStarted
from tests.simulation.timelines import ClientPlan
from tests.simulation.world import TimelinePhone

NO_CRM = (Outcome.DNC_BLOCKED, Outcome.INELIGIBLE)


@dataclass(frozen=True)
class Observed:
    client_id: str
    campaign_id: str
    result: OutreachResult
    dnc_at: datetime | None
    withdrawn_at: datetime | None


async def _count(db: Database, model: type, *where: object) -> int:
    async with db.session() as session:
        stmt = select(func.count()).select_from(model)
        for clause in where:
            stmt = stmt.where(clause)  # type: ignore[arg-type]
        return int((await session.execute(stmt)).scalar_one())


async def _on_dnc_once(db: Database, client_id: str) -> bool:
    """The client's number is suppressed, and our retries never added it twice. (An entry made
    elsewhere first — a broker's, by number only — makes the opt-out's own entry unnecessary.)"""
    async with db.session() as session:
        client = await session.get(ClientRow, client_id)
        assert client is not None
        suppressed = await is_dnc(session, client.phone)
    return suppressed and await _count(db, DncEntry, DncEntry.client_id == client_id) <= 1


async def check(plan: ClientPlan, seen: Observed, phone: TimelinePhone, db: Database) -> None:
    calls = [c for c in phone.created if c.request.client_id == seen.client_id]
    outcome = seen.result.outcome
    # at most one carrier call per attempt
    per_attempt = Counter(c.request.attempt for c in calls)
    assert all(n == 1 for n in per_attempt.values()), f"several calls for one attempt: {per_attempt}"
    # no dial outside the allowed hours in the client's zone at the instant of the dial
    for call in calls:
        at = phone.instants[call.sid]
        assert within_calling_hours(at, plan.timezone, plan.state, plan.window), (
            f"dialled at {at.isoformat()}"
        )
    # no dial after a DNC entry or a consent withdrawal made elsewhere
    for stop_at, why in ((seen.dnc_at, "DNC entry"), (seen.withdrawn_at, "consent withdrawal")):
        if stop_at is not None:
            late = [c.sid for c in calls if phone.instants[c.sid] > stop_at]
            assert not late, f"dialled after a {why}: {late}"
    # no dial after a booking or an opt-out
    async with db.session() as session:
        booked = (
            (await session.execute(select(Appointment).where(Appointment.client_id == seen.client_id)))
            .scalars()
            .all()
        )
    sids = [c.sid for c in calls]
    for appointment in booked:
        if appointment.call_sid in sids:
            assert sids[-1] == appointment.call_sid, "dialled again after a booking"
    for index, call in enumerate(calls):
        script = plan.script_for(call.request.attempt)
        said_stop = any(
            isinstance(s, OptOut) or (isinstance(s, End) and s.result is CallResult.OPTED_OUT) for s in script
        )
        if said_stop:
            assert index == len(calls) - 1, "dialled again after an opt-out"
            # an appointment booked before the opt-out in the same call still stands
            assert outcome in (Outcome.OPTED_OUT, Outcome.SCHEDULED), f"an opt-out ended as {outcome.value}"
            assert await _on_dnc_once(db, seen.client_id), "opt-out not on DNC (or added twice)"
    # exactly one terminal outcome; a booking means one appointment, CRM write and email
    notes = await _count(db, CrmNote, CrmNote.client_id == seen.client_id)
    assert notes == (0 if outcome in NO_CRM else 1), f"{notes} CRM notes for outcome {outcome.value}"
    emails = await _count(db, OutboxEmail, OutboxEmail.idempotency_key.like(f"outreach:{seen.campaign_id}:%"))
    assert len(booked) == (1 if outcome is Outcome.SCHEDULED else 0), f"{len(booked)} appointments, {outcome}"
    assert emails == (1 if outcome is Outcome.SCHEDULED else 0), f"{emails} emails for {outcome.value}"
    if outcome is Outcome.SCHEDULED:
        assert seen.result.appointment_id == booked[0].id
    if outcome is Outcome.OPTED_OUT:
        assert await _on_dnc_once(db, seen.client_id), "opted out but not on DNC (or added twice)"
    # every recording reported on a call of ours is registered for retention
    reported = {
        f"RE{c.sid[2:]}"
        for c in calls
        if any(isinstance(s, RecordingStarted) for s in plan.script_for(c.request.attempt))
    }
    if reported:
        async with db.session() as session:
            registered = set(
                (
                    await session.execute(
                        select(Recording.recording_sid).where(Recording.client_id == seen.client_id)
                    )
                )
                .scalars()
                .all()
            )
        assert reported <= registered, f"recordings not registered: {reported - registered}"
