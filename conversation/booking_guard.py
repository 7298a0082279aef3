"""Never book a time the caller did not choose: an appointment is booked only if the caller's
own last words name that slot, or Emma's previous turn named its day and time and the caller's
answer was a yes. Checked by the schedule tool, so a model's booking passes the same net as the
local policy's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversation.nlu.intent import Intent
from conversation.nlu.times import parse_time_request
from conversation.nlu.understand import understand
from conversation.speech_text import speak_date, speak_time
from conversation.state import CallState


def emma_named(slot_local: datetime, emma_text: str) -> bool:
    said = emma_text.lower()
    weekday = speak_date(slot_local).split(",")[0].lower()
    return speak_time(slot_local).lower() in said and weekday in said


def caller_chose(slot: datetime, state: CallState, timezone: str) -> bool:
    local = slot.astimezone(ZoneInfo(timezone))
    caller = state.last_caller_text
    heard = understand(caller)
    if emma_named(local, state.last_emma_text) and heard.has(Intent.AFFIRM) and not heard.has(Intent.DENY):
        return True
    request = parse_time_request(caller, local.date())
    return request.clock is not None and bool(request.days) and request.allows(local)
