"""A broker's bookable slots: working hours in the broker's own time zone, minus what is taken."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WorkingHours:
    timezone: str
    start_hour: int = 9
    end_hour: int = 17
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    slot_minutes: int = 30


def candidate_slots(hours: WorkingHours, start: datetime, days: int) -> list[datetime]:
    """Every slot start (UTC) inside working hours from `start` (exclusive of the past) for `days`."""
    zone = ZoneInfo(hours.timezone)
    local_start = start.astimezone(zone)
    slots: list[datetime] = []
    for offset in range(days + 1):
        day = local_start.date() + timedelta(days=offset)
        if day.weekday() not in hours.weekdays:
            continue
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        slot = midnight + timedelta(hours=hours.start_hour)
        end = midnight + timedelta(hours=hours.end_hour)
        while slot + timedelta(minutes=hours.slot_minutes) <= end:
            if slot > local_start:
                slots.append(slot.astimezone(UTC))
            slot += timedelta(minutes=hours.slot_minutes)
    horizon = start + timedelta(days=days)
    return [s for s in slots if s <= horizon]


def free_slots(hours: WorkingHours, start: datetime, days: int, taken: Iterable[datetime]) -> list[datetime]:
    taken_utc = {t.astimezone(UTC) for t in taken}
    return [s for s in candidate_slots(hours, start, days) if s not in taken_utc]


def is_available_now(hours: WorkingHours, at: datetime, taken: Iterable[datetime]) -> bool:
    """Inside working hours and not in a booked slot at this instant."""
    local = at.astimezone(ZoneInfo(hours.timezone))
    if local.weekday() not in hours.weekdays or not hours.start_hour <= local.hour < hours.end_hour:
        return False
    for slot in taken:
        slot_utc = slot.astimezone(UTC)
        if slot_utc <= at.astimezone(UTC) < slot_utc + timedelta(minutes=hours.slot_minutes):
            return False
    return True
