"""Where the agent's tools get their data: a Protocol, the in-memory implementation (text chats,
tests) and a 1-hour cache for pricing and eligibility. The database implementation is
db/repositories/agent_data.py."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from domain.broker_slots import WorkingHours, free_slots, is_available_now
from domain.enums import ProductType

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class CoverageLevel(StrEnum):
    INDIVIDUAL = "individual"
    FAMILY = "family"


class EligibilityResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    client_id: str
    product: ProductType
    eligible: bool
    reason: str = ""


class PriceQuote(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: ProductType
    coverage_level: CoverageLevel
    has_spouse: bool
    monthly_premium: Decimal = Field(gt=0, decimal_places=2)
    currency: str = "USD"


class Availability(BaseModel):
    model_config = ConfigDict(frozen=True)

    broker_id: str
    slots: tuple[datetime, ...]
    available_now: bool


# Monthly premiums: a rate card in code (no table) - dental/vision x individual/family.
RATE_CARD: dict[tuple[ProductType, CoverageLevel], Decimal] = {
    (ProductType.DENTAL, CoverageLevel.INDIVIDUAL): Decimal("24.50"),
    (ProductType.DENTAL, CoverageLevel.FAMILY): Decimal("61.75"),
    (ProductType.VISION, CoverageLevel.INDIVIDUAL): Decimal("9.80"),
    (ProductType.VISION, CoverageLevel.FAMILY): Decimal("22.40"),
}


def quote(product: ProductType, coverage_level: CoverageLevel, has_spouse: bool) -> PriceQuote:
    """Price from the rate card; a spouse needs family coverage to be covered."""
    return PriceQuote(
        product=product,
        coverage_level=coverage_level,
        has_spouse=has_spouse,
        monthly_premium=RATE_CARD[(product, coverage_level)],
    )


class AgentDataPort(Protocol):
    async def eligibility(self, client_id: str, product: ProductType) -> EligibilityResult: ...

    async def pricing(
        self, product: ProductType, coverage_level: CoverageLevel, has_spouse: bool
    ) -> PriceQuote: ...

    async def availability(self, broker_id: str, start: datetime, end: datetime) -> Availability: ...

    async def add_note(self, client_id: str, note: str) -> str: ...


@dataclass
class BrokerCalendar:
    """A broker's working hours and taken slots, shared by the in-memory data and call control so
    a booking made in a chat removes the slot from later availability answers."""

    hours: WorkingHours
    taken: set[datetime] = field(default_factory=set)
    available_now: bool | None = None  # None: decide from working hours

    def free_between(self, start: datetime, end: datetime) -> tuple[datetime, ...]:
        days = max(1, (end - start).days + 1)
        return tuple(s for s in free_slots(self.hours, start, days, self.taken) if s <= end)

    def is_free(self, slot: datetime, now: datetime) -> bool:
        slot_utc = slot.astimezone(UTC)
        return slot_utc in self.free_between(now, max(now, slot_utc) + timedelta(minutes=1))

    def is_available_at(self, at: datetime) -> bool:
        if self.available_now is not None:
            return self.available_now
        return is_available_now(self.hours, at, self.taken)


class InMemoryAgentData:
    """AgentDataPort over plain Python state."""

    def __init__(
        self,
        calendars: dict[str, BrokerCalendar],
        *,
        ineligible: Iterable[tuple[str, ProductType]] = (),
        clock: Clock = utc_now,
    ) -> None:
        self.calendars = calendars
        self.ineligible = set(ineligible)
        self.notes: list[tuple[str, str]] = []
        self._clock = clock
        self._ids = itertools.count(1)

    async def eligibility(self, client_id: str, product: ProductType) -> EligibilityResult:
        eligible = (client_id, product) not in self.ineligible
        return EligibilityResult(
            client_id=client_id,
            product=product,
            eligible=eligible,
            reason="" if eligible else "not offered in the client's state",
        )

    async def pricing(
        self, product: ProductType, coverage_level: CoverageLevel, has_spouse: bool
    ) -> PriceQuote:
        return quote(product, coverage_level, has_spouse)

    async def availability(self, broker_id: str, start: datetime, end: datetime) -> Availability:
        calendar = self.calendars.get(broker_id)
        if calendar is None:
            raise LookupError(f"unknown broker {broker_id!r}")
        return Availability(
            broker_id=broker_id,
            slots=calendar.free_between(start, end),
            available_now=calendar.is_available_at(self._clock()),
        )

    async def add_note(self, client_id: str, note: str) -> str:
        self.notes.append((client_id, note))
        return f"note-{next(self._ids)}"


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """A small time-to-live cache; the clock is injected so tests move time instead of sleeping."""

    def __init__(self, ttl: timedelta, clock: Clock = utc_now, max_entries: int = 1024) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._items: dict[K, tuple[datetime, V]] = {}

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if self._clock() >= expires:
            del self._items[key]
            return None
        return value

    def put(self, key: K, value: V) -> None:
        if len(self._items) >= self._max:
            self._items.pop(next(iter(self._items)))
        self._items[key] = (self._clock() + self._ttl, value)


class CachedAgentData:
    """Caches pricing and eligibility answers for an hour; availability and notes pass through."""

    def __init__(self, inner: AgentDataPort, *, ttl: timedelta = timedelta(hours=1), clock: Clock = utc_now):
        self.inner = inner
        self._eligibility: TTLCache[tuple[str, ProductType], EligibilityResult] = TTLCache(ttl, clock)
        self._pricing: TTLCache[tuple[ProductType, CoverageLevel, bool], PriceQuote] = TTLCache(ttl, clock)

    async def eligibility(self, client_id: str, product: ProductType) -> EligibilityResult:
        key = (client_id, product)
        cached = self._eligibility.get(key)
        if cached is None:
            cached = await self.inner.eligibility(client_id, product)
            self._eligibility.put(key, cached)
        return cached

    async def pricing(
        self, product: ProductType, coverage_level: CoverageLevel, has_spouse: bool
    ) -> PriceQuote:
        key = (product, coverage_level, has_spouse)
        cached = self._pricing.get(key)
        if cached is None:
            cached = await self.inner.pricing(product, coverage_level, has_spouse)
            self._pricing.put(key, cached)
        return cached

    async def availability(self, broker_id: str, start: datetime, end: datetime) -> Availability:
        return await self.inner.availability(broker_id, start, end)

    async def add_note(self, client_id: str, note: str) -> str:
        return await self.inner.add_note(client_id, note)
