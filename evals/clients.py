"""Synthetic clients for evals: names with accents, compound surnames and nicknames, dates of
birth, plans and gaps, client and broker time zones (often different), broker calendars with some
slots already taken, and an instant inside the client's calling hours to call at."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from conversation.agent_data import BrokerCalendar
from conversation.context import ClientRecord
from domain.broker_slots import WorkingHours, candidate_slots

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles")
FIRST_NAMES = (
    ("Maria", "Mari"), ("José", "Pepe"), ("William", "Bill"), ("Elizabeth", "Liz"), ("Robert", "Bob"),
    ("Margaret", "Peggy"), ("Nguyen", "Win"), ("Aisha", "Ash"), ("Dolores", "Lola"), ("Thomas", "Tom"),
    ("Patricia", "Pat"), ("Guadalupe", "Lupe"), ("Kenneth", "Ken"), ("Renée", "Renny"), ("Samuel", "Sam"),
    ("Francisco", "Paco"), ("Katherine", "Kate"), ("Darnell", "Dee"), ("Siobhan", "Shiv"), ("Raymond", "Ray"),
)  # fmt: skip
LAST_NAMES = (
    "Lopez", "García Márquez", "O'Brien", "Nguyen", "Smith-Jones", "Washington", "Kowalski", "Müller",
    "Okafor", "Hernández", "Baptiste", "Chen", "Fitzgerald", "Ramírez", "Novak", "Jefferson", "Patel",
    "Delacroix", "Yamamoto", "MacLeod",
)  # fmt: skip
PLANS = ("Silver PPO", "Gold HMO", "Bronze EPO", "Platinum PPO", "Medicare Advantage Plus", "Blue Select")
GAPS = (("dental",), ("vision",), ("dental", "vision"))
BROKERS = (("Dana Whitfield", "brk-1"), ("Luis Ortega", "brk-2"), ("Priya Raman", "brk-3"))
RELATIVES = ("daughter", "son", "husband", "wife", "sister", "brother", "grandson", "neighbor")


@dataclass(frozen=True)
class SyntheticClient:
    record: ClientRecord
    nickname: str
    now: datetime  # when the call happens (UTC), inside the client's calling hours
    taken: frozenset[datetime]
    relative: str

    def calendar(self) -> BrokerCalendar:
        """A fresh calendar per conversation (bookings must not leak between runs)."""
        return BrokerCalendar(
            hours=WorkingHours(timezone=self.record.broker_timezone or self.record.timezone),
            taken=set(self.taken),
            available_now=self.record.broker_available_now,
        )


def synthetic_client(rng: random.Random, index: int, base: datetime) -> SyntheticClient:
    first, nickname = rng.choice(FIRST_NAMES)
    zone = rng.choice(ZONES)
    broker_zone = zone if rng.random() < 0.5 else rng.choice(ZONES)
    broker_name, broker_id = rng.choice(BROKERS)
    dob = date(rng.randint(1938, 2001), rng.randint(1, 12), rng.randint(1, 28))
    now = _call_instant(rng, base, zone)
    hours = WorkingHours(timezone=broker_zone)
    slots = candidate_slots(hours, now, 14)
    taken = frozenset(s for s in slots if rng.random() < 0.3)
    record = ClientRecord(
        client_id=f"eval-client-{index:04d}",
        first_name=first,
        last_name=rng.choice([n for n in LAST_NAMES if n != first]),
        date_of_birth=dob,
        current_plan=rng.choice(PLANS),
        coverage_gaps=list(rng.choice(GAPS)),
        timezone=zone,
        broker_id=broker_id,
        broker_name=broker_name,
        has_spouse=rng.random() < 0.45,
        eligible=rng.random() < 0.92,
        broker_timezone=broker_zone,
        broker_available_now=rng.random() < 0.5,
        campaign_id="eval",
    )
    return SyntheticClient(record, nickname, now, taken, rng.choice(RELATIVES))


def _call_instant(rng: random.Random, base: datetime, zone: str) -> datetime:
    """A weekday between 9:00 and 17:00 in the client's zone, within two weeks of `base`."""
    local_base = base.astimezone(ZoneInfo(zone))
    day = local_base.date() + timedelta(days=rng.randint(0, 10))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    local = datetime(
        day.year,
        day.month,
        day.day,
        rng.randint(9, 16),
        rng.choice((0, 10, 20, 30, 40, 50)),
        tzinfo=ZoneInfo(zone),
    )
    return local.astimezone(UTC)
