"""Promise: upgrading an existing database encrypts the PHI already in it (no plaintext left
behind, rows still readable, phone lookups work) and the migrated schema matches the models."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, select, text

from db.migrate import alembic_config
from db.models import Base, Client, DncEntry
from db.session import Database
from security.field_crypto import phone_hash
from tests.security.conftest import BACKENDS

BEFORE = "d52a5b24cd65"  # the initial schema, with plaintext PHI columns


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    base = os.environ["GYDE_TEST_DATABASE_URL"]
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _sync(url: str) -> Engine:
    return create_engine(
        url.replace("sqlite+aiosqlite", "sqlite").replace("postgresql://", "postgresql+psycopg://", 1)
    )


async def test_upgrade_encrypts_existing_plaintext_rows(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), BEFORE)
    engine = _sync(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO brokers (id, name, email, phone, timezone, work_start_hour, work_end_hour, work_days,"
                " slot_minutes) VALUES ('b1', 'B', 'b@x', '+15550000000', 'America/New_York', 9, 17, '0,1', 30)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO clients (id, broker_id, first_name, last_name, phone, email, timezone, state,"
                " date_of_birth, current_plan, coverage_gaps, has_spouse, eligible, ssn, medical_notes) VALUES"
                " ('c1', 'b1', 'Margaret', 'Holloway', '+15551234567', 'm@x', 'America/New_York', 'NY',"
                " '1948-03-02', 'Gold', '[]', false, true, '123-45-6789', 'diabetes')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO dnc_entries (phone, client_id, source, created_at)"
                " VALUES ('+15551234567', 'c1', 'caller', '2026-01-01')"
            )
        )
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")

    with engine.connect() as conn:
        raw = str(
            conn.execute(
                text(
                    "SELECT phone, date_of_birth, ssn, medical_notes, first_name, last_name, email FROM clients"
                )
            ).one()
        )
        assert not any(
            v in raw for v in ("5551234567", "1948", "6789", "diabetes", "Margaret", "Holloway", "m@x")
        )
        raw_dnc = str(conn.execute(text("SELECT phone FROM dnc_entries")).one())
        assert "5551234567" not in raw_dnc and raw_dnc.count("v1:") == 1
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()

    database = Database(url)
    async with database.session() as s:
        client = await s.get(Client, "c1")
        assert client is not None
        assert (client.phone, str(client.date_of_birth), client.ssn) == (
            "+15551234567",
            "1948-03-02",
            "123-45-6789",
        )
        assert (client.first_name, client.last_name, client.email) == ("Margaret", "Holloway", "m@x")
        dnc = (await s.execute(select(DncEntry))).scalar_one()
        assert dnc.phone == "+15551234567"
        wanted = phone_hash("(555) 123-4567")
        assert (await s.execute(select(Client.id).where(Client.phone_hash == wanted))).scalar_one() == "c1"
        assert (
            await s.execute(select(DncEntry.client_id).where(DncEntry.phone_hash == wanted))
        ).scalar_one() == "c1"
    await database.dispose()


BEFORE_OUTBOX = "c3d9e1f07a52"  # outbox and CRM notes still plaintext


async def test_upgrade_encrypts_the_outbox_and_crm_notes_and_downgrade_restores_them(url: str) -> None:
    from db.models import CrmNote, OutboxEmail

    await asyncio.to_thread(command.upgrade, alembic_config(url), BEFORE_OUTBOX)
    engine = _sync(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox_emails (id, idempotency_key, to_address, subject, body, template, created_at)"
                " VALUES ('m1', 'k1', 'margaret@example.com', 'Your appointment, Margaret',"
                " 'Hi Margaret, booked for Monday', 'appointment_confirmation', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO crm_notes (id, idempotency_key, client_id, campaign_id, outcome, body, created_at)"
                " VALUES ('n1', 'k2', 'c1', 'camp', 'note', 'Margaret prefers afternoons', '2026-01-01')"
            )
        )
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    with engine.connect() as conn:
        raw = str(conn.execute(text("SELECT * FROM outbox_emails")).all())
        raw += str(conn.execute(text("SELECT * FROM crm_notes")).all())
        assert "Margaret" not in raw and "margaret@" not in raw and "afternoons" not in raw
        assert raw.count("v1:") == 4
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    database = Database(url)
    async with database.session() as s:
        email = await s.get(OutboxEmail, "m1")
        note = await s.get(CrmNote, "n1")
        assert email is not None and (email.to_address, email.subject, email.body) == (
            "margaret@example.com",
            "Your appointment, Margaret",
            "Hi Margaret, booked for Monday",
        )
        assert note is not None and note.body == "Margaret prefers afternoons"
    await database.dispose()
    await asyncio.to_thread(command.downgrade, alembic_config(url), BEFORE_OUTBOX)
    with engine.connect() as conn:
        body = conn.execute(text("SELECT body FROM crm_notes")).scalar_one()
        address = conn.execute(text("SELECT to_address FROM outbox_emails")).scalar_one()
    assert (body, address) == ("Margaret prefers afternoons", "margaret@example.com")
    engine.dispose()
