"""Brokers' routes under `/brokers/{broker_id}`: availability, callbacks (list, mark done,
reschedule), appointments, and an iCalendar feed of both. A broker key reaches only its own
broker id (another's answers 404, like an unknown one); campaign managers may read
availability. Marking done and rescheduling are the callback workflow's to do: the api signals
or updates it (CampaignControl), never writes the row itself.

Needs a database, so the module exposes no `router`; create_app calls `build_brokers_router`.
No `from __future__ import annotations`: FastAPI resolves the local dependency aliases."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response

from api.auth import ApiKeyAuth
from api.calendar_feed import broker_calendar
from api.routers._steering import require_control, steering_errors
from api.schemas.brokers import (
    AppointmentList,
    AppointmentOut,
    AvailabilityOut,
    CallbackChange,
    CallbackList,
    CallbackOut,
    Reschedule,
    WorkingHoursOut,
)
from api.schemas.campaigns import ID_PATTERN
from api.temporal_gateway import CampaignControl
from db.models import Appointment, Callback
from db.repositories import brokers as repo
from db.repositories.errors import NotFound
from db.repositories.outreach import as_utc
from db.session import Database
from security.roles import BROKER_AVAILABILITY_FIELDS, Actor

BrokerId = Annotated[str, Path(pattern=ID_PATTERN)]
CallbackId = Annotated[str, Path(pattern=r"^cb_[0-9a-f]{16}$")]
CLOSED = ("completed", "missed", "cancelled", "closed")


def callback_out(row: Callback) -> CallbackOut:
    return CallbackOut(
        callback_id=row.id,
        campaign_id=row.campaign_id,
        client_id=row.client_id,
        callback_at=as_utc(row.callback_at),
        owner=row.owner,
        status=row.status,
    )


def appointment_out(row: Appointment) -> AppointmentOut:
    return AppointmentOut(
        appointment_id=row.id,
        campaign_id=row.campaign_id,
        client_id=row.client_id,
        slot_start=as_utc(row.slot_start),
        product=row.product,
        confirmation_code=row.confirmation_code,
    )


def build_brokers_router(database: Database, auth: ApiKeyAuth, control: CampaignControl | None) -> APIRouter:
    router = APIRouter(prefix="/brokers/{broker_id}", tags=["brokers"])
    AvailabilityReader = Annotated[
        Actor, Depends(auth.broker_scoped("read", "broker", BROKER_AVAILABILITY_FIELDS))
    ]
    CallbackReader = Annotated[Actor, Depends(auth.broker_scoped("read", "callback"))]
    CallbackDone = Annotated[Actor, Depends(auth.broker_scoped("write", "callback", frozenset({"status"})))]
    CallbackMover = Annotated[
        Actor, Depends(auth.broker_scoped("write", "callback", frozenset({"callback_at"})))
    ]
    AppointmentReader = Annotated[Actor, Depends(auth.broker_scoped("read", "appointment"))]

    @router.get("/availability")
    async def availability(
        broker_id: BrokerId,
        reader: AvailabilityReader,
        days: Annotated[int, Query(ge=1, le=31, description="how far ahead to list free slots")] = 7,
    ) -> AvailabilityOut:
        """Working hours in the broker's zone, whether the broker is free now, and free slots."""
        async with database.session() as session:
            try:
                found = await repo.availability(session, broker_id, datetime.now(UTC), days)
            except NotFound:
                raise HTTPException(404, f"unknown broker {broker_id!r}") from None
        hours = found.hours
        return AvailabilityOut(
            broker_id=found.broker_id,
            name=found.name,
            working_hours=WorkingHoursOut(
                timezone=hours.timezone,
                start_hour=hours.start_hour,
                end_hour=hours.end_hour,
                weekdays=list(hours.weekdays),
                slot_minutes=hours.slot_minutes,
            ),
            available_now=found.available_now,
            free_slots=found.free_slots,
        )

    @router.get("/callbacks")
    async def callbacks(
        broker_id: BrokerId,
        reader: CallbackReader,
        status: Annotated[
            str | None, Query(pattern="^(scheduled|reminded|rescheduled|missed|completed)$")
        ] = None,
        owner: Annotated[str | None, Query(pattern="^(broker|ai)$")] = None,
    ) -> CallbackList:
        """The broker's callbacks, soonest first (ids and times only)."""
        async with database.session() as session:
            rows = await repo.callbacks_of(session, broker_id, status=status, owner=owner)
        return CallbackList(callbacks=[callback_out(row) for row in rows])

    async def open_callback(broker_id: str, callback_id: str) -> Callback:
        async with database.session() as session:
            row = await repo.callback_of(session, broker_id, callback_id)
        if row is None:
            raise HTTPException(404, f"unknown callback {callback_id!r}")
        if row.owner != "broker":
            raise HTTPException(409, "this callback is Emma's re-call, not the broker's to close or move")
        if row.status in CLOSED:
            raise HTTPException(409, f"callback {callback_id!r} is already {row.status}")
        return row

    @router.post("/callbacks/{callback_id}/done", status_code=202)
    async def mark_done(broker_id: BrokerId, callback_id: CallbackId, actor: CallbackDone) -> CallbackChange:
        """The broker made the call: its callback workflow stops reminding and escalating."""
        row = await open_callback(broker_id, callback_id)
        with steering_errors():
            await require_control(control).complete_callback(row.campaign_id, row.client_id, "")
        return CallbackChange(callback=callback_out(row), requested="completed")

    @router.post("/callbacks/{callback_id}/reschedule")
    async def reschedule(
        broker_id: BrokerId, callback_id: CallbackId, body: Reschedule, actor: CallbackMover
    ) -> CallbackChange:
        """Move the callback; its workflow re-arms the reminder for the new time."""
        if body.callback_at <= datetime.now(UTC):
            raise HTTPException(422, "callback_at is in the past")
        if body.callback_at > datetime.now(UTC) + timedelta(days=366):
            raise HTTPException(422, "callback_at is more than a year ahead")
        row = await open_callback(broker_id, callback_id)
        with steering_errors():
            moved = await require_control(control).reschedule_callback(
                row.campaign_id, row.client_id, body.callback_at
            )
        out = callback_out(row).model_copy(update={"callback_at": as_utc(moved), "status": "rescheduled"})
        return CallbackChange(callback=out, requested="rescheduled")

    @router.get("/appointments")
    async def appointments(
        broker_id: BrokerId,
        reader: AppointmentReader,
        since: Annotated[datetime | None, Query(description="only slots from this instant on")] = None,
    ) -> AppointmentList:
        """The broker's booked appointments in slot order."""
        async with database.session() as session:
            rows = await repo.appointments_of(session, broker_id, since=as_utc(since) if since else None)
        return AppointmentList(appointments=[appointment_out(row) for row in rows])

    @router.get(
        "/calendar.ics",
        response_class=Response,
        responses={200: {"content": {"text/calendar": {}}, "description": "an iCalendar (RFC 5545) feed"}},
    )
    async def calendar(broker_id: BrokerId, reader: AppointmentReader) -> Response:
        """Appointments and open broker callbacks as an iCalendar feed (ids only, no PHI)."""
        async with database.session() as session:
            try:
                found = await repo.availability(session, broker_id, datetime.now(UTC), 1)
            except NotFound:
                raise HTTPException(404, f"unknown broker {broker_id!r}") from None
            booked = await repo.appointments_of(session, broker_id)
            open_callbacks = [
                c
                for c in await repo.callbacks_of(session, broker_id, owner="broker")
                if c.status not in CLOSED
            ]
        body = broker_calendar(broker_id, found.hours.slot_minutes, booked, open_callbacks)
        return Response(content=body, media_type="text/calendar; charset=utf-8")

    return router
