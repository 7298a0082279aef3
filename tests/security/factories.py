"""Rows for tests: two brokers, each with one client full of (synthetic) PHI."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Broker, Client

PHI_NAME = "Margaret"
PHI_SURNAME = "Holloway"
PHI_PHONE = "+15551234567"
PHI_DOB = date(1948, 3, 2)
PHI_SSN = "123-45-6789"
PHI_NOTES = "type 2 diabetes, insulin"


def broker(broker_id: str) -> Broker:
    return Broker(
        id=broker_id,
        name=f"Broker {broker_id}",
        email=f"{broker_id}@b.example",
        phone="+15550000000",
        timezone="America/New_York",
    )


def client(client_id: str, broker_id: str, *, phone: str = PHI_PHONE, state: str = "NY") -> Client:
    row = Client(
        id=client_id,
        broker_id=broker_id,
        first_name=PHI_NAME,
        last_name=PHI_SURNAME,
        phone=phone,
        email="margaret@example.com",
        timezone="America/New_York",
        state=state,
        date_of_birth=PHI_DOB,
        current_plan="Medicare Advantage Gold",
        coverage_gaps=["dental", "vision"],
        has_spouse=False,
        eligible=True,
        ssn=PHI_SSN,
        medical_notes=PHI_NOTES,
    )
    return row  # phone_hash is filled in at flush (security.field_crypto)


async def seed(session: AsyncSession) -> None:
    session.add_all([broker("b1"), broker("b2")])
    await session.flush()
    session.add_all([client("c1", "b1"), client("c2", "b2", phone="+15557654321")])
    await session.commit()
