"""Promise: the dial gate refuses DNC (internal and national), withdrawn or expired consent, calls
outside the client's local hours (with stricter state hours, Sundays, holidays) and calls beyond
the daily, weekly, per-campaign and state 24-hour caps - and says when a deferred call may go."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from compliance.gate import FrequencyCaps, GateInputs, evaluate_dial
from compliance.state_rules import STATE_RULES, holidays, rule_for
from domain.enums import Outcome
from domain.messages import CallingWindow

NY = ZoneInfo("America/New_York")
# Tuesday 2026-11-10, 10:00 in New York.
TUESDAY_10 = datetime(2026, 11, 10, 10, 0, tzinfo=NY).astimezone(UTC)


def inputs(**changes: object) -> GateInputs:
    base = GateInputs(
        now=TUESDAY_10,
        client_id="c1",
        campaign_id="camp",
        client_timezone="America/New_York",
        client_state="NY",
        internal_dnc=False,
        national_dnc=False,
        marketing_consent=None,
        caps=FrequencyCaps(per_day=2, per_week=4, per_campaign=3),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def local(y: int, m: int, d: int, h: int, minute: int = 0, tz: str = "America/New_York") -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def test_clear_client_in_hours_is_allowed_and_decision_carries_inputs() -> None:
    decision = evaluate_dial(inputs())
    assert decision.allowed and decision.reasons == () and decision.inputs == inputs()
    assert decision.to_message().allowed and decision.to_message().reason == "ok"


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"internal_dnc": True}, "internal_dnc_clear"),
        ({"national_dnc": True}, "national_dnc_clear"),
        ({"marketing_consent": False}, "consent_not_withdrawn"),
        (
            {"marketing_consent": True, "marketing_consent_expires_at": TUESDAY_10 - timedelta(days=1)},
            "consent_not_expired",
        ),
        ({"campaign_attempts": 3}, "campaign_cap"),
    ],
)
def test_permanent_blocks(changes: dict[str, object], reason: str) -> None:
    decision = evaluate_dial(inputs(**changes))
    assert not decision.allowed and decision.permanent and reason in decision.reasons
    assert decision.retry_at is None
    message = decision.to_message()
    # A spent campaign cap ends the client as it stands; every other permanent block suppresses.
    expected = None if reason == "campaign_cap" else Outcome.DNC_BLOCKED
    assert message.blocked_outcome is expected and message.retry_at is None
    assert reason in message.reason and message.checks[reason] is False


def test_national_dnc_is_overridden_by_valid_express_consent() -> None:
    assert evaluate_dial(inputs(national_dnc=True, marketing_consent=True)).allowed
    expiring = inputs(
        national_dnc=True, marketing_consent=True, marketing_consent_expires_at=TUESDAY_10 + timedelta(days=1)
    )
    assert evaluate_dial(expiring).allowed


def test_internal_dnc_is_never_overridden_by_consent() -> None:
    assert not evaluate_dial(inputs(internal_dnc=True, marketing_consent=True)).allowed


@pytest.mark.parametrize(
    "now, tz, state, allowed",
    [
        (local(2026, 11, 10, 7, 59), "America/New_York", "NY", False),  # before 8 federal
        (local(2026, 11, 10, 8, 0), "America/New_York", "NY", True),
        (local(2026, 11, 10, 20, 59), "America/New_York", "NY", True),
        (local(2026, 11, 10, 21, 0), "America/New_York", "NY", False),
        (local(2026, 11, 10, 20, 30, "America/New_York"), "America/New_York", "FL", False),  # FL ends 20:00
        (local(2026, 11, 10, 19, 30, "America/New_York"), "America/New_York", "FL", True),
        (local(2026, 11, 15, 11, 0, "America/Chicago"), "America/Chicago", "TX", False),  # Sunday before noon
        (local(2026, 11, 15, 12, 30, "America/Chicago"), "America/Chicago", "TX", True),
        (local(2026, 11, 10, 8, 30, "America/Chicago"), "America/Chicago", "TX", False),  # TX weekdays from 9
        (local(2026, 11, 15, 14, 0, "America/Chicago"), "America/Chicago", "LA", False),  # LA: no Sundays
        (local(2026, 11, 14, 17, 30), "America/New_York", "RI", False),  # RI Saturday ends 17:00
        (local(2026, 11, 26, 12, 0, "America/Denver"), "America/Denver", "UT", False),  # Thanksgiving
        (local(2026, 11, 26, 12, 0), "America/New_York", "NY", True),  # NY has no holiday rule
    ],
)
def test_calling_hours_in_client_local_time_with_state_rules(
    now: datetime, tz: str, state: str, allowed: bool
) -> None:
    decision = evaluate_dial(inputs(now=now, client_timezone=tz, client_state=state))
    assert decision.allowed is allowed, decision.reasons
    if not allowed:
        assert not decision.permanent and decision.retry_at is not None and decision.retry_at > now
        assert evaluate_dial(inputs(now=decision.retry_at, client_timezone=tz, client_state=state)).allowed


def test_local_time_not_server_time_decides() -> None:
    # 13:00 UTC is 08:00 in New York but 05:00 in Los Angeles.
    now = datetime(2026, 11, 10, 13, 0, tzinfo=UTC)
    assert evaluate_dial(inputs(now=now)).allowed
    assert not evaluate_dial(
        inputs(now=now, client_timezone="America/Los_Angeles", client_state="CA")
    ).allowed


def test_campaign_window_narrows_further() -> None:
    narrow = CallingWindow(start_hour=13, end_hour=17, weekdays_only=True)
    decision = evaluate_dial(inputs(window=narrow))
    assert "campaign_window" in decision.reasons
    assert decision.retry_at == local(2026, 11, 10, 13)


def test_daily_cap_defers_to_next_local_day_opening() -> None:
    earlier = (local(2026, 11, 10, 8, 5), local(2026, 11, 10, 9, 0))
    decision = evaluate_dial(inputs(recent_attempts=earlier))
    assert decision.reasons == ("daily_cap",) and not decision.permanent
    assert decision.retry_at == local(2026, 11, 11, 8)


def test_weekly_cap_counts_the_local_iso_week() -> None:
    week = tuple(local(2026, 11, d, 10) for d in (9, 9, 10, 10))  # Mon x2, Tue x2 (the earlier ones today)
    caps = FrequencyCaps(per_day=5, per_week=4, per_campaign=10)
    decision = evaluate_dial(inputs(now=local(2026, 11, 10, 15), recent_attempts=week, caps=caps))
    assert decision.reasons == ("weekly_cap",)
    assert decision.retry_at == local(2026, 11, 16, 8)  # next Monday
    last_week = tuple(local(2026, 11, 5, 10) for _ in range(4))
    assert evaluate_dial(inputs(recent_attempts=last_week, caps=caps)).allowed


def test_state_24h_cap_is_rolling() -> None:
    caps = FrequencyCaps(per_day=10, per_week=10, per_campaign=10)
    three = (local(2026, 11, 9, 18), local(2026, 11, 10, 8), local(2026, 11, 10, 9))
    decision = evaluate_dial(inputs(client_state="FL", recent_attempts=three, caps=caps))
    assert decision.reasons == ("state_24h_cap",)
    assert decision.retry_at == local(2026, 11, 10, 18)  # 24 h after the oldest of the three
    assert evaluate_dial(inputs(client_state="NY", recent_attempts=three, caps=caps)).allowed


def test_naive_times_and_unknown_zones_are_rejected() -> None:
    with pytest.raises(ValueError):
        evaluate_dial(inputs(now=datetime(2026, 11, 10, 10)))
    with pytest.raises(Exception, match="Mars"):
        evaluate_dial(inputs(client_timezone="Mars/Olympus"))


def test_state_table_is_never_looser_than_federal() -> None:
    for state in STATE_RULES:
        for day, (start, end) in rule_for(state).hours.items():
            assert 8 <= start < end <= 21, (state, day)


def test_holiday_calendar() -> None:
    assert holidays(2026) == {
        datetime(2026, 1, 1).date(),
        datetime(2026, 5, 25).date(),
        datetime(2026, 7, 4).date(),
        datetime(2026, 9, 7).date(),
        datetime(2026, 11, 26).date(),
        datetime(2026, 12, 25).date(),
    }


async def test_decision_and_inputs_survive_the_temporal_boundary() -> None:
    """The activity returns the GateDecision itself, so history records inputs and verdict."""
    from security.keyring import KeyRing, generate_key_spec
    from security.payload_codec import data_converter

    decision = evaluate_dial(inputs(recent_attempts=(local(2026, 11, 10, 8, 5), local(2026, 11, 10, 9))))
    converter = data_converter(KeyRing.parse(generate_key_spec("k")))
    [restored] = await converter.decode(await converter.encode([decision]), [type(decision)])
    assert restored == decision


def test_deferred_message_carries_retry_at_and_the_inputs_without_phi() -> None:
    night = inputs(now=local(2026, 11, 10, 22), recent_attempts=(local(2026, 11, 10, 9),))
    message = evaluate_dial(night).to_message()
    assert not message.allowed and message.blocked_outcome is None
    assert message.retry_at == local(2026, 11, 11, 8)
    assert message.inputs["client_id"] == "c1" and message.inputs["client_state"] == "NY"
    assert message.inputs["recent_attempts"] == local(2026, 11, 10, 9).isoformat()
    assert message.inputs["caps"] == "day=2 week=4 campaign=3"
    assert set(message.inputs) == set(night.record())
    assert all(isinstance(v, str) for v in message.inputs.values())


def test_simulator_waiver_lifts_state_rules_only_and_is_recorded() -> None:
    sunday_noon_al = inputs(now=local(2026, 11, 15, 12, tz="America/Chicago"), client_state="AL")
    sunday_noon_al = dataclasses.replace(sunday_noon_al, client_timezone="America/Chicago")
    assert "state_hours" in evaluate_dial(sunday_noon_al).reasons  # Alabama: no Sunday calls
    waived = dataclasses.replace(sunday_noon_al, state_rules_waiver="simulator: test")
    decision = evaluate_dial(waived)
    assert decision.allowed and decision.to_message().inputs["state_rules_waiver"] == "simulator: test"
    # the campaign window, DNC and caps still hold under the waiver
    late = dataclasses.replace(waived, now=local(2026, 11, 15, 22, tz="America/Chicago"))
    assert evaluate_dial(late).reasons == ("campaign_window",)
    assert not evaluate_dial(dataclasses.replace(waived, internal_dnc=True)).allowed
    capped = dataclasses.replace(waived, recent_attempts=(local(2026, 11, 15, 9, tz="America/Chicago"),) * 2)
    assert evaluate_dial(capped).reasons == ("daily_cap",)
