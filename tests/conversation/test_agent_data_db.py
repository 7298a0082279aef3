"""The agent's data port over the database, and identity checks that never hold the DOB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import db.models_privacy  # noqa: F401
from conversation.agent_data import CoverageLevel
from db.models import Appointment, AuditEntry, Broker, Client, CrmNote
from db.repositories.agent_data import SqlAgentData, agent_actor, load_agent_view
from db.repositories.errors import NotFound
from db.session import Database
from domain.enums import ProductType

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 10:00 New York


pytestmark = pytest.mark.usefixtures("field_keys")  # tests/conversation/conftest.py


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'agent.db'}")
    await db.create_all()
    async with db.session() as session:
        session.add(
            Broker(
                id="b1",
                name="Dana Whitfield",
                email="d@b.example",
                phone="+15550000000",
                timezone="America/New_York",
                work_start_hour=9,
                work_end_hour=12,
            )
        )
        await session.flush()
        row = Client(
            id="c1",
            broker_id="b1",
            first_name="Rosa",
            last_name="Diaz",
            phone="+15553334444",
            email="r@example.com",
            timezone="America/New_York",
            state="NY",
            date_of_birth=date(1958, 7, 19),
            current_plan="Gold HMO",
            coverage_gaps=["vision"],
            has_spouse=True,
            eligible=False,
            ssn="987-65-4321",
            medical_notes="none",
        )
        if hasattr(Client, "phone_hash"):
            from security.field_crypto import phone_hash

            row.phone_hash = phone_hash("+15553334444")
        session.add(row)
        session.add(
            Appointment(
                id="a1",
                idempotency_key="k-a1",
                campaign_id="x",
                client_id="other",
                broker_id="b1",
                slot_start=NOW + timedelta(minutes=30),
                product="dental",
                confirmation_code="C",
                created_at=NOW,
            )
        )
        await session.commit()
    yield db
    await db.dispose()


async def test_availability_skips_booked_slots_and_reports_now(database: Database) -> None:
    data = SqlAgentData(database, clock=lambda: NOW)
    found = await data.availability("b1", NOW, NOW + timedelta(hours=2))
    local = [s.astimezone(UTC).strftime("%H:%M") for s in found.slots]
    assert local == ["16:00", "16:30"]  # 10:00 is now, 10:30 is booked, hours end at 12:00 local
    assert found.available_now is True
    with pytest.raises(NotFound):
        await data.availability("nobody", NOW, NOW + timedelta(days=1))


async def test_eligibility_pricing_and_notes(database: Database) -> None:
    data = SqlAgentData(database, clock=lambda: NOW, campaign_id="camp")
    result = await data.eligibility("c1", ProductType.VISION)
    assert result.eligible is False and result.reason
    with pytest.raises(NotFound):
        await data.eligibility("nobody", ProductType.DENTAL)
    quote = await data.pricing(ProductType.VISION, CoverageLevel.FAMILY, True)
    assert str(quote.monthly_premium) == "22.40"
    note_id = await data.add_note("c1", "prefers afternoons")
    async with database.session() as session:
        note = (await session.execute(select(CrmNote).where(CrmNote.id == note_id))).scalar_one()
    assert note.body == "prefers afternoons" and note.campaign_id == "camp"


async def test_agent_view_and_identity_check_are_audited_and_hold_no_dob(database: Database) -> None:
    context, verifier = await load_agent_view(database, "c1", actor=agent_actor("call-1"), campaign_id="camp")
    assert (
        context.first_name == "Rosa"
        and context.broker_name == "Dana Whitfield"
        and context.campaign_id == "camp"
    )
    assert "1958" not in repr(verifier) and "Diaz" not in repr(verifier)
    assert not any("1958" in str(v) for v in vars(verifier).values())
    assert await verifier.verify("Rosa Diaz", date(1958, 7, 19)) is True
    assert await verifier.verify("Rosa Diaz", date(1958, 7, 20)) is False
    assert await verifier.verify("Rosa Smith", date(1958, 7, 19)) is False
    async with database.session() as session:
        actions = [e.action for e in (await session.execute(select(AuditEntry))).scalars()]
    assert actions == ["read", "verify", "verify", "verify"]
    with pytest.raises(NotFound):
        await load_agent_view(database, "nobody", actor=agent_actor("call-2"))
