"""Synthetic brokers, clients and campaigns: realistic names, US time zones and coverage gaps,
reproducible from a seed. Phone numbers come from the 555-01xx fictional range."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

from faker import Faker
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Broker, Campaign, CampaignMember, Client
from domain.enums import ProductType

US_ZONES: tuple[tuple[str, str], ...] = (
    ("America/New_York", "NY"),
    ("America/Chicago", "IL"),
    ("America/Denver", "CO"),
    ("America/Phoenix", "AZ"),
    ("America/Los_Angeles", "CA"),
    ("America/New_York", "FL"),
    ("America/Chicago", "TX"),
)
PLANS = (
    "Blue Shield Silver 70 PPO",
    "Aetna Gold HMO",
    "Kaiser Bronze 60",
    "UnitedHealthcare Choice Plus",
    "Cigna Connect Silver",
    "Humana Medicare Advantage",
)
GAP_CHOICES: tuple[tuple[str, ...], ...] = (
    (ProductType.DENTAL.value,),
    (ProductType.VISION.value,),
    (ProductType.DENTAL.value, ProductType.VISION.value),
)
AREA_CODES = ("212", "312", "303", "602", "415", "305", "512")


@dataclass(frozen=True)
class SeedResult:
    broker_ids: list[str]
    client_ids: list[str]


async def seed(session: AsyncSession, brokers: int, clients: int, seed_value: int) -> SeedResult:
    """Insert `brokers` brokers and `clients` clients (ids prefixed so reruns with another seed
    do not collide) and return their ids."""
    if brokers < 1 or clients < 0:
        raise ValueError("need at least one broker and a non-negative number of clients")
    rng = random.Random(seed_value)
    fake = Faker("en_US")
    fake.seed_instance(seed_value)
    broker_ids: list[str] = []
    for b in range(brokers):
        zone, _state = US_ZONES[b % len(US_ZONES)]
        broker_id = f"brk-{seed_value}-{b:03d}"
        session.add(
            Broker(
                id=broker_id,
                name=f"{fake.first_name()} {fake.last_name()}",
                email=f"broker{b}@brokers.example",
                phone=f"+1800555{(seed_value * 100 + b) % 10000:04d}",
                timezone=zone,
                work_start_hour=9,
                work_end_hour=17,
                work_days="0,1,2,3,4",
                slot_minutes=30,
            )
        )
        broker_ids.append(broker_id)
    client_ids: list[str] = []
    for c in range(clients):
        zone, state = US_ZONES[rng.randrange(len(US_ZONES))]
        first, last = fake.first_name(), fake.last_name()
        client_id = f"cli-{seed_value}-{c:05d}"
        born = date(rng.randint(1940, 2000), rng.randint(1, 12), rng.randint(1, 28))
        session.add(
            Client(
                id=client_id,
                broker_id=broker_ids[c % len(broker_ids)],
                first_name=first,
                last_name=last,
                phone=f"+1{AREA_CODES[c % len(AREA_CODES)]}555{(seed_value * 7919 + c) % 10000:04d}",
                email=f"{first.lower()}.{last.lower()}{c}@example.com",
                timezone=zone,
                state=state,
                date_of_birth=born,
                current_plan=rng.choice(PLANS),
                coverage_gaps=list(rng.choice(GAP_CHOICES)),
                has_spouse=rng.random() < 0.5,
                eligible=rng.random() < 0.95,
                ssn=f"9{rng.randint(0, 99):02d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}",
                medical_notes=rng.choice(("Type 2 diabetes", "Hypertension", "Asthma", "None recorded")),
            )
        )
        client_ids.append(client_id)
    await session.commit()
    return SeedResult(broker_ids, client_ids)


async def create_campaign(
    session: AsyncSession, campaign_id: str, name: str, client_ids: list[str]
) -> Campaign:
    campaign = Campaign(id=campaign_id, name=name, status="draft", spec={}, created_at=datetime.now(UTC))
    session.add(campaign)
    await session.flush()
    for client_id in client_ids:
        session.add(CampaignMember(campaign_id=campaign_id, client_id=client_id))
    await session.commit()
    return campaign
