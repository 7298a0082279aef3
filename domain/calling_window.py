"""When may a client be dialled? Pure functions of (instant, client time zone, window), so the
workflow can compute its durable timers deterministically."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.messages import CallingWindow, RetryPolicySpec

WEEKEND = (5, 6)


def _is_open_local(local: datetime, window: CallingWindow) -> bool:
    if window.weekdays_only and local.weekday() in WEEKEND:
        return False
    return window.start_hour <= local.hour < window.end_hour


def is_within_window(instant: datetime, timezone: str, window: CallingWindow) -> bool:
    """True when `instant` (aware) falls inside the client's local calling hours."""
    return _is_open_local(instant.astimezone(ZoneInfo(timezone)), window)


def next_window_open(instant: datetime, timezone: str, window: CallingWindow) -> datetime:
    """The earliest instant >= `instant` at which the window is open, in UTC.

    Walks day by day in local time so nights, weekends and DST changes all fall out of the same
    arithmetic; at most eight days are examined because every week has an open day.
    """
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    if not 0 <= window.start_hour < window.end_hour <= 24:
        raise ValueError(f"invalid calling window {window.start_hour}-{window.end_hour}")
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone)
    if _is_open_local(local, window):
        return instant.astimezone(UTC)
    day = local.date()
    for offset in range(0, 9):
        candidate_day = day + timedelta(days=offset)
        opening = datetime(
            candidate_day.year, candidate_day.month, candidate_day.day, window.start_hour, tzinfo=zone
        )
        if opening < local:
            continue
        if window.weekdays_only and opening.weekday() in WEEKEND:
            continue
        return opening.astimezone(UTC)
    raise RuntimeError("no calling window within nine days")  # unreachable for a valid window


def window_closes_at(instant: datetime, timezone: str, window: CallingWindow) -> datetime:
    """When the open window containing `instant` closes, in UTC (`instant` itself when it is
    closed). A window open around the clock is treated as closing eight days ahead."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone)
    if not _is_open_local(local, window):
        return instant.astimezone(UTC)
    day = local.date()
    for offset in range(0, 9):
        candidate = day + timedelta(days=offset)
        end_hour = window.end_hour
        closing = (
            datetime(candidate.year, candidate.month, candidate.day, tzinfo=zone) + timedelta(days=1)
            if end_hour == 24
            else datetime(candidate.year, candidate.month, candidate.day, end_hour, tzinfo=zone)
        )
        if closing <= local:
            continue
        reopens = closing.astimezone(zone)
        if not _is_open_local(reopens, window):
            return closing.astimezone(UTC)
    return (instant + timedelta(days=8)).astimezone(UTC)


def clamp_into_window(instant: datetime, timezone: str, window: CallingWindow) -> datetime:
    """A requested time moved forward to the next moment the client may be called."""
    return next_window_open(instant, timezone, window)


def retry_delay(attempt: int, policy: RetryPolicySpec) -> timedelta:
    """Backoff after the `attempt`-th unanswered call (1-based)."""
    minutes = policy.base_minutes * policy.multiplier ** max(0, attempt - 1)
    return timedelta(minutes=min(minutes, policy.max_minutes))
