"""Callback times and dates of birth from natural speech ("Thursday around three", "tomorrow
morning", "March 4th, 1961"), resolved in the client's time zone and inside calling hours. The
reading of the words is conversation/nlu (text2num, dateparser); this module turns a request into
one instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversation.nlu.dates import parse_date_of_birth
from conversation.nlu.times import PART_DEFAULT, PARTS, TimeRequest, parse_time_request
from domain.calling_window import is_within_window, next_window_open
from domain.messages import CallingWindow

DEFAULT_HOUR = 10  # a day named with no time: mid-morning, confirmed back


@dataclass(frozen=True)
class ResolvedTime:
    """A callback instant: `at` in UTC, `local` in the client's zone. `ambiguous` means confirm
    it back before acting (no a.m./p.m., a part of the day, or moved into calling hours)."""

    at: datetime
    local: datetime
    ambiguous: bool
    clamped: bool = False


def _start_of(request: TimeRequest) -> tuple[time, bool]:
    """The time of day a request names (and whether it was guessed)."""
    if request.clock is not None:
        return request.clock, request.clock_guessed
    part_start = time(PARTS[request.part][0]) if request.part in PARTS else None
    if request.earliest is not None and request.earliest != part_start:
        return request.earliest, True  # "after 6 tonight": six, not the evening's default
    if request.part is not None and request.part in PART_DEFAULT:
        return time(PART_DEFAULT[request.part]), True
    if request.earliest is not None:
        return request.earliest, True
    if request.latest is not None:
        return time(max(8, request.latest.hour - 2)), True
    return time(DEFAULT_HOUR), True


def resolve_request(
    request: TimeRequest, now: datetime, timezone: str, window: CallingWindow | None = None
) -> ResolvedTime | None:
    """The instant a request means, or None when it names no day and no time."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if request.empty:
        return None
    window = window or CallingWindow()
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    if request.delay is not None and not request.days and request.clock is None:
        return _finish(local_now + request.delay, now, timezone, window, ambiguous=False)
    at, guessed = _start_of(request)
    if request.days:
        day, ambiguous = request.days[0], guessed or len(request.days) > 1
    elif request.next_week:
        day, ambiguous = local_now.date() + timedelta(days=7 - local_now.weekday()), True
    else:
        day, ambiguous = local_now.date(), guessed
        if datetime.combine(day, at, zone) <= local_now:
            day += timedelta(days=1)
    candidate = datetime.combine(day, at, zone)
    if candidate <= local_now:
        candidate += timedelta(days=7 if request.days and day != local_now.date() else 1)
        ambiguous = True
    return _finish(candidate, now, timezone, window, ambiguous=ambiguous)


def resolve_callback_time(
    text: str, now: datetime, timezone: str, window: CallingWindow | None = None
) -> ResolvedTime | None:
    """The instant a caller means, or None when the words hold no day and no time.

    A day with no time takes the part of the day said, else 10 a.m.; a time with no day is today
    if still ahead, else tomorrow. Anything outside calling hours moves to the next opening.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    request = parse_time_request(text, now.astimezone(ZoneInfo(timezone)).date())
    return resolve_request(request, now, timezone, window)


def _finish(
    local: datetime, now: datetime, timezone: str, window: CallingWindow, *, ambiguous: bool
) -> ResolvedTime:
    zone = ZoneInfo(timezone)
    instant = local.astimezone(UTC)
    clamped = False
    if not is_within_window(instant, timezone, window) or instant <= now:
        instant = next_window_open(max(instant, now), timezone, window)
        clamped = True
    return ResolvedTime(
        at=instant, local=instant.astimezone(zone), ambiguous=ambiguous or clamped, clamped=clamped
    )


def parse_spoken_date(text: str, today: date | None = None) -> date | None:
    """A full date (with a year) from '03/04/1961', '4/12/80', 'March 4th, 1961', 'the ninth of
    December, nineteen fifty-five' or 'twelve thirty-one ninety-nine'; None when there is none."""
    return parse_date_of_birth(text, today)
