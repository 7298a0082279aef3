"""The agent's data port over the database (conversation.agent_data.AgentDataPort), and the
agent's view of a client, read through db.access as the `ai_agent` role so no SSN, medical note,
phone or date of birth can reach the conversation. Identity is checked by db.access as a yes/no
answer; the date of birth never leaves the database layer."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from conversation.agent_data import (
    Availability,
    Clock,
    CoverageLevel,
    EligibilityResult,
    PriceQuote,
    quote,
    utc_now,
)
from conversation.context import AgentContext, name_matches
from db.access import read_client_for_agent, verify_client_dob
from db.models import Appointment, Broker, Client, CrmNote
from db.repositories.errors import NotFound
from db.session import Database
from domain.broker_slots import WorkingHours, free_slots, is_available_now
from domain.enums import ProductType, Role
from security.roles import Actor

PURPOSE = "voice agent conversation"


def agent_actor(call_ref: str) -> Actor:
    """The audit identity of one call's agent (a call sid or workflow id, never PHI)."""
    return Actor(f"agent:{call_ref}", Role.AI_AGENT)


def _hours(broker: Broker) -> WorkingHours:
    days = tuple(int(d) for d in broker.work_days.split(",") if d.strip())
    return WorkingHours(
        timezone=broker.timezone,
        start_hour=broker.work_start_hour,
        end_hour=broker.work_end_hour,
        weekdays=days,
        slot_minutes=broker.slot_minutes,
    )


async def broker_calendar(
    db: Database, broker_id: str, since: datetime
) -> tuple[WorkingHours, list[datetime]]:
    """A broker's working hours and booked slot starts from `since` (for text-chat call control)."""
    async with db.session() as session:
        broker = await session.get(Broker, broker_id)
        if broker is None:
            raise NotFound(f"unknown broker {broker_id!r}")
        taken = (
            await session.execute(
                select(Appointment.slot_start).where(
                    Appointment.broker_id == broker_id, Appointment.slot_start >= since
                )
            )
        ).scalars()
        return _hours(broker), [t if t.tzinfo else t.replace(tzinfo=UTC) for t in taken]


class SqlAgentData:
    """AgentDataPort over db/models.py (SQLAlchemy async). Pricing is the in-code rate card."""

    def __init__(self, db: Database, *, clock: Clock = utc_now, campaign_id: str = "") -> None:
        self.db = db
        self.clock = clock
        self.campaign_id = campaign_id

    async def eligibility(self, client_id: str, product: ProductType) -> EligibilityResult:
        # `eligible` is a screening flag, not PHI: read as a single column, nothing else.
        async with self.db.session() as session:
            eligible = (await session.execute(select(Client.eligible).where(Client.id == client_id))).scalar()
        if eligible is None:
            raise NotFound(f"unknown client {client_id!r}")
        return EligibilityResult(
            client_id=client_id,
            product=product,
            eligible=bool(eligible),
            reason="" if eligible else "not eligible for new coverage",
        )

    async def pricing(
        self, product: ProductType, coverage_level: CoverageLevel, has_spouse: bool
    ) -> PriceQuote:
        return quote(product, coverage_level, has_spouse)

    async def availability(self, broker_id: str, start: datetime, end: datetime) -> Availability:
        async with self.db.session() as session:
            broker = await session.get(Broker, broker_id)
            if broker is None:
                raise NotFound(f"unknown broker {broker_id!r}")
            taken = (
                await session.execute(
                    select(Appointment.slot_start).where(
                        Appointment.broker_id == broker_id, Appointment.slot_start >= start
                    )
                )
            ).scalars()
            taken_utc = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in taken]
        hours = _hours(broker)
        days = max(1, (end - start).days + 1)
        slots = tuple(s for s in free_slots(hours, start, days, taken_utc) if s <= end)
        return Availability(
            broker_id=broker_id, slots=slots, available_now=is_available_now(hours, self.clock(), taken_utc)
        )

    async def add_note(self, client_id: str, note: str) -> str:
        note_id = f"note-{uuid.uuid4().hex[:16]}"
        async with self.db.session() as session:
            session.add(
                CrmNote(
                    id=note_id,
                    idempotency_key=f"agent-note/{note_id}",
                    client_id=client_id,
                    campaign_id=self.campaign_id,
                    outcome="note",
                    body=note,
                    created_at=self.clock(),
                )
            )
            await session.commit()
        return note_id


class DbIdentityVerifier:
    """Identity check for live calls: the name is compared here, the date of birth in db.access
    (`verify_client_dob`, audited), so this object never holds the date of birth."""

    def __init__(self, db: Database, actor: Actor, client_id: str, first_name: str, last_name: str) -> None:
        self._db = db
        self._actor = actor
        self._client_id = client_id
        self._first = first_name
        self._last = last_name

    def __repr__(self) -> str:
        return f"DbIdentityVerifier(client_id={self._client_id!r})"

    async def verify(self, spoken_name: str, spoken_dob: date) -> bool:
        async with self._db.session() as session:
            dob_ok = await verify_client_dob(session, self._actor, self._client_id, spoken_dob)
            await session.commit()
        return dob_ok and name_matches(spoken_name, self._first, self._last)


async def load_agent_view(
    db: Database, client_id: str, *, actor: Actor, campaign_id: str = "chat", callback_number: str = ""
) -> tuple[AgentContext, DbIdentityVerifier]:
    """The prompt-safe context and the identity verifier for one call, read as `ai_agent`."""
    async with db.session() as session:
        view = await read_client_for_agent(session, actor, client_id, purpose=PURPOSE)
        broker = await session.get(Broker, view.broker_id)
        await session.commit()
    if broker is None:
        raise NotFound(f"unknown broker {view.broker_id!r}")
    context = AgentContext.from_agent_view(
        view, broker.name, campaign_id=campaign_id, callback_number=callback_number
    )
    return context, DbIdentityVerifier(db, actor, client_id, view.first_name, view.last_name)
