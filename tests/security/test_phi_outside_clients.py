"""Promise: PHI written outside `clients` - the email outbox (address, subject, body with the
client's name and appointment) and CRM notes (the workflow's outcome notes and the notes the agent
writes during a call) - is ciphertext at rest, bound to its column, and reads back as written."""

from __future__ import annotations

from sqlalchemy import select, text

from db.local.crm import LocalCrm
from db.local.outbox import LocalOutbox
from db.models import CrmNote, OutboxEmail
from db.repositories.agent_data import SqlAgentData
from db.session import Database
from tests.security import factories as f

ADDRESS = "margaret.holloway@example.com"
SUBJECT = f"Your appointment, {f.PHI_NAME} {f.PHI_SURNAME}"
BODY = f"Hi {f.PHI_NAME},\nYour dental review is booked for Monday, March 02 at 10:00 AM. Call {f.PHI_PHONE}."
NOTE = f"{f.PHI_NAME} prefers afternoons; born {f.PHI_DOB.isoformat()}"
PLAINTEXT = (f.PHI_NAME, f.PHI_SURNAME, ADDRESS, "5551234567", "1948", "Monday, March 02", "afternoons")


async def _raw(database: Database, table: str) -> str:
    async with database.engine.connect() as conn:
        return str((await conn.execute(text(f"SELECT * FROM {table}"))).all())


async def test_the_outbox_keeps_address_subject_and_body_encrypted(database: Database) -> None:
    message_id = await LocalOutbox(database).send("k1", ADDRESS, SUBJECT, BODY, "appointment_confirmation")
    raw = await _raw(database, "outbox_emails")
    assert [v for v in PLAINTEXT if v in raw] == []
    assert raw.count("v1:k1:") == 3 and "appointment_confirmation" in raw  # the template stays readable
    async with database.session() as s:
        row = await s.get(OutboxEmail, message_id)
    assert row is not None and (row.to_address, row.subject, row.body) == (ADDRESS, SUBJECT, BODY)


async def test_crm_outcome_notes_are_encrypted(database: Database) -> None:
    note_id = await LocalCrm(database).write_outcome("k2", "c1", "camp", "scheduled", NOTE, None)
    raw = await _raw(database, "crm_notes")
    assert [v for v in PLAINTEXT if v in raw] == [] and "scheduled" in raw
    async with database.session() as s:
        row = await s.get(CrmNote, note_id)
    assert row is not None and row.body == NOTE


async def test_notes_the_agent_writes_are_encrypted(database: Database) -> None:
    note_id = await SqlAgentData(database, campaign_id="camp").add_note("c1", NOTE)
    raw = await _raw(database, "crm_notes")
    assert [v for v in PLAINTEXT if v in raw] == []
    async with database.session() as s:
        row = (await s.execute(select(CrmNote).where(CrmNote.id == note_id))).scalar_one()
    assert row.body == NOTE


async def test_a_body_copied_into_another_column_does_not_decrypt(database: Database) -> None:
    """Each ciphertext is bound to its column: moving the body into the subject is caught."""
    import pytest

    from security.aead import DecryptionError

    await LocalOutbox(database).send("k3", ADDRESS, SUBJECT, BODY, "appointment_confirmation")
    async with database.engine.begin() as conn:
        await conn.execute(text("UPDATE outbox_emails SET subject = body"))
    async with database.session() as s:
        with pytest.raises(DecryptionError):
            (await s.execute(select(OutboxEmail))).scalar_one()
