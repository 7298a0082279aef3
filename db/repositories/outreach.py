"""Writes of one client's outreach: attempts, appointments, callbacks, DNC. All write-once by key."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Appointment, Broker, Callback, DncEntry
from db.repositories.errors import AlreadyBooked, SlotTaken
from db.repositories.idempotent import insert_once
from domain.broker_slots import WorkingHours


def short_id(prefix: str, key: str) -> str:
    """A stable id derived from the idempotency key, so a retried write names the same row."""
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite drops tzinfo; every stored instant is UTC, so put it back."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def working_hours(broker: Broker) -> WorkingHours:
    return WorkingHours(
        timezone=broker.timezone,
        start_hour=broker.work_start_hour,
        end_hour=broker.work_end_hour,
        weekdays=tuple(int(d) for d in broker.work_days.split(",") if d),
        slot_minutes=broker.slot_minutes,
    )


# --- appointments -------------------------------------------------------------------------------


async def taken_slots(session: AsyncSession, broker_id: str, start: datetime, days: int) -> list[datetime]:
    result = await session.execute(
        select(Appointment.slot_start).where(
            Appointment.broker_id == broker_id,
            Appointment.slot_start >= start - timedelta(days=1),
            Appointment.slot_start <= start + timedelta(days=days + 1),
        )
    )
    return [as_utc(v) for v in result.scalars().all()]


async def book(
    session: AsyncSession,
    key: str,
    campaign_id: str,
    client_id: str,
    broker_id: str,
    slot_start: datetime,
    product: str,
    call_sid: str,
    *,
    confirmation_code: str | None = None,
    external_ref: str | None = None,
) -> tuple[Appointment, bool]:
    """Book the slot once. Raises SlotTaken / AlreadyBooked when a constraint says no.
    `external_ref`: the booking's id at an outside calendar (Calendly's invitee URI)."""
    slot_utc = as_utc(slot_start)

    def conflict(_exc: IntegrityError) -> Exception:
        return SlotTaken(f"broker {broker_id} slot {slot_utc.isoformat()} is taken")

    existing_for_client = (
        await session.execute(
            select(Appointment).where(
                Appointment.client_id == client_id,
                Appointment.campaign_id == campaign_id,
                Appointment.idempotency_key != key,
            )
        )
    ).scalar_one_or_none()
    if existing_for_client is not None:
        raise AlreadyBooked(f"client {client_id} already booked in campaign {campaign_id}")
    return await insert_once(
        session,
        Appointment,
        key,
        lambda: Appointment(
            id=short_id("apt", key),
            idempotency_key=key,
            campaign_id=campaign_id,
            client_id=client_id,
            broker_id=broker_id,
            slot_start=slot_utc,
            product=product,
            confirmation_code=confirmation_code or hashlib.sha256(key.encode()).hexdigest()[:6].upper(),
            call_sid=call_sid,
            external_ref=external_ref if external_ref and external_ref != short_id("apt", key) else None,
            created_at=utcnow(),
        ),
        on_conflict=conflict,
    )


async def appointment(session: AsyncSession, appointment_id: str | None) -> Appointment | None:
    return await session.get(Appointment, appointment_id) if appointment_id else None


# --- callbacks ----------------------------------------------------------------------------------


async def record_callback(
    session: AsyncSession,
    key: str,
    campaign_id: str,
    client_id: str,
    broker_id: str,
    callback_at: datetime,
    owner: str,
) -> tuple[Callback, bool]:
    return await insert_once(
        session,
        Callback,
        key,
        lambda: Callback(
            id=short_id("cb", key),
            idempotency_key=key,
            campaign_id=campaign_id,
            client_id=client_id,
            broker_id=broker_id,
            callback_at=as_utc(callback_at),
            owner=owner,
            status="scheduled",
        ),
    )


async def callback(session: AsyncSession, callback_id: str | None) -> Callback | None:
    return await session.get(Callback, callback_id) if callback_id else None


async def move_callback(session: AsyncSession, callback_id: str, callback_at: datetime) -> None:
    row = await session.get(Callback, callback_id)
    if row is not None:
        row.callback_at = as_utc(callback_at)
        row.status = "rescheduled"
        await session.commit()


OPEN_CALLBACK = ("scheduled", "rescheduled")


async def close_stray_callbacks(session: AsyncSession, key_prefix: str, keep: list[str], status: str) -> int:
    """Give `status` to the open callbacks whose key starts with `key_prefix`, but for `keep`;
    how many. Idempotent: a second run finds none open."""
    stmt = (
        update(Callback)
        .where(Callback.idempotency_key.startswith(key_prefix, autoescape=True))
        .where(Callback.status.in_(OPEN_CALLBACK))
        .values(status=status)
    )
    if keep:
        stmt = stmt.where(Callback.id.not_in(keep))
    result = await session.execute(stmt)
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def set_callback_status(session: AsyncSession, callback_id: str, status: str) -> None:
    row = await session.get(Callback, callback_id)
    if row is not None:
        row.status = status
        await session.commit()


# --- do not call --------------------------------------------------------------------------------


async def is_dnc(session: AsyncSession, phone: str) -> bool:
    """Suppressed by keyed phone hash, so any format of the same number matches."""
    from db.repositories.consent import is_suppressed

    return await is_suppressed(session, phone=phone)


async def add_dnc(session: AsyncSession, phone: str, client_id: str | None, source: str) -> bool:
    """True when this call added the number; False when it was already suppressed."""
    if await is_dnc(session, phone):
        return False
    session.add(DncEntry(phone=phone, client_id=client_id, source=source, created_at=utcnow()))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True
