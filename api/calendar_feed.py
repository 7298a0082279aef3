"""A broker's iCalendar feed (RFC 5545, built with the `icalendar` library): one event per
appointment and per open broker callback. Ids only - a calendar syncs to phones and laptops, so
no client name, phone or plan goes into it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from db.models import Appointment, Callback
from db.repositories.outreach import as_utc

PRODID = "-//Gyde Voice//broker calendar//EN"
CALLBACK_MINUTES = 15


def broker_calendar(
    broker_id: str, slot_minutes: int, appointments: Iterable[Appointment], callbacks: Iterable[Callback]
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Gyde: broker {broker_id}")
    now = datetime.now(UTC)
    for appointment in appointments:
        start = as_utc(appointment.slot_start)
        calendar.add_component(
            _event(
                uid=f"{appointment.id}@gyde-voice",
                start=start,
                end=start + timedelta(minutes=slot_minutes),
                stamp=as_utc(appointment.created_at),
                summary=f"{appointment.product.capitalize()} review with client {appointment.client_id}",
                description=(
                    f"Confirmation {appointment.confirmation_code} · campaign {appointment.campaign_id} · "
                    f"appointment {appointment.id}"
                ),
            )
        )
    for callback in callbacks:
        start = as_utc(callback.callback_at)
        calendar.add_component(
            _event(
                uid=f"{callback.id}@gyde-voice",
                start=start,
                end=start + timedelta(minutes=CALLBACK_MINUTES),
                stamp=now,
                summary=f"Call back client {callback.client_id}",
                description=f"Callback {callback.id} · campaign {callback.campaign_id} · {callback.status}",
            )
        )
    ical: bytes = calendar.to_ical()
    return ical


def _event(
    *, uid: str, start: datetime, end: datetime, stamp: datetime, summary: str, description: str
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    return event
