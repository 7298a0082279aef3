"""A broker's side of the data: availability, callbacks, appointments; and the call log. Rows
hold ids, times and results only (no client PHI), so routers may show them as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Appointment, CallAttempt, Callback
from db.repositories.clients import get_broker
from db.repositories.outreach import taken_slots, working_hours
from domain.broker_slots import WorkingHours, free_slots, is_available_now

MAX_PAGE = 500


@dataclass(frozen=True)
class Availability:
    broker_id: str
    name: str
    hours: WorkingHours
    available_now: bool
    free_slots: list[datetime]


async def availability(session: AsyncSession, broker_id: str, now: datetime, days: int) -> Availability:
    """Working hours and free slots over the next `days` days (raises NotFound)."""
    broker = await get_broker(session, broker_id)
    hours = working_hours(broker)
    taken = await taken_slots(session, broker_id, now, days)
    return Availability(
        broker_id=broker.id,
        name=broker.name,
        hours=hours,
        available_now=is_available_now(hours, now, taken),
        free_slots=free_slots(hours, now, days, taken),
    )


async def callbacks_of(
    session: AsyncSession, broker_id: str, *, status: str | None = None, owner: str | None = None
) -> list[Callback]:
    """The broker's callbacks, soonest first."""
    stmt = select(Callback).where(Callback.broker_id == broker_id).order_by(Callback.callback_at, Callback.id)
    if status is not None:
        stmt = stmt.where(Callback.status == status)
    if owner is not None:
        stmt = stmt.where(Callback.owner == owner)
    return list((await session.execute(stmt.limit(MAX_PAGE))).scalars())


async def callback_of(session: AsyncSession, broker_id: str, callback_id: str) -> Callback | None:
    """One of the broker's callbacks; another broker's answers None, like an unknown id."""
    row = await session.get(Callback, callback_id)
    return row if row is not None and row.broker_id == broker_id else None


async def appointments_of(
    session: AsyncSession, broker_id: str, *, since: datetime | None = None
) -> list[Appointment]:
    stmt = select(Appointment).where(Appointment.broker_id == broker_id)
    if since is not None:
        stmt = stmt.where(Appointment.slot_start >= since)
    stmt = stmt.order_by(Appointment.slot_start).limit(MAX_PAGE)
    return list((await session.execute(stmt)).scalars())


async def call_log(
    session: AsyncSession,
    *,
    after_id: int = 0,
    limit: int = 100,
    campaign_id: str | None = None,
    client_id: str | None = None,
) -> list[CallAttempt]:
    """Call attempts in id order (keyset pages), optionally one campaign's or one client's."""
    stmt = select(CallAttempt).where(CallAttempt.id > after_id)
    if campaign_id is not None:
        stmt = stmt.where(CallAttempt.campaign_id == campaign_id)
    if client_id is not None:
        stmt = stmt.where(CallAttempt.client_id == client_id)
    stmt = stmt.order_by(CallAttempt.id).limit(min(limit, MAX_PAGE))
    return list((await session.execute(stmt)).scalars())
