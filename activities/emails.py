"""Email templates: what the client and the broker read. Rendered inside the activity, so PHI
never travels through workflow payloads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from activities.client_reads import ClientContact
from db.repositories.outreach import as_utc

if TYPE_CHECKING:  # types only: activities import ports and repositories at run time
    from db.models import Appointment, Broker, Callback


def _local(when_utc: datetime, timezone: str) -> str:
    return when_utc.astimezone(ZoneInfo(timezone)).strftime("%A, %B %d at %I:%M %p %Z")


def render_email(
    template: str,
    client: ClientContact,
    broker: Broker,
    appointment: Appointment | None,
    callback: Callback | None,
) -> tuple[str, str]:
    if template == "appointment_confirmation" and appointment is not None:
        when = _local(as_utc(appointment.slot_start), client.timezone)
        return (
            f"Your appointment with {broker.name} is confirmed",
            f"Hi {client.first_name},\n\nYour {appointment.product} coverage review with {broker.name} "
            f"is booked for {when}. Confirmation code: {appointment.confirmation_code}.\n\n"
            f"To change it, reply to this email or call {broker.phone}.\n",
        )
    if template == "broker_callback_reminder" and callback is not None:
        when = _local(as_utc(callback.callback_at), broker.timezone)
        return (
            f"Reminder: callback to {client.first_name} {client.last_name[:1]}. at {when}",
            f"Your client asked you to call them back at {when}. Client id: {client.id}.\n",
        )
    if template == "broker_callback_missed" and callback is not None:
        return (
            "Missed callback needs attention",
            f"The callback scheduled for client {client.id} was not marked complete. A CRM task was opened.\n",
        )
    raise ValueError(f"unknown email template {template!r} or missing record")
