"""The dial-time compliance gate: a pure function of recorded inputs.

Evaluated before every attempt, retry and callback. Pure so that (1) the decision and the exact
inputs it saw can be written to the workflow history as evidence, and (2) every rule is tested
without a database or a clock. Blocks are either permanent (DNC, withdrawn consent, campaign
cap: the client must not be called again in this campaign) or deferrable (outside hours, daily
or weekly cap), in which case `retry_at` is the earliest instant every deferrable rule passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from compliance.state_rules import EffectiveRule, holidays, rule_for
from domain.enums import Outcome
from domain.messages import CallingWindow, DialGateDecision, FrequencyCaps

__all__ = ["FrequencyCaps", "GateDecision", "GateInputs", "evaluate_dial", "within_calling_hours"]

SEARCH_STEP = timedelta(minutes=15)
SEARCH_HORIZON = timedelta(days=14)
# Permanent checks whose failure means "this person must not be called": the client ends
# dnc_blocked. A spent campaign cap is permanent too, but ends the client as it stands.
_SUPPRESSION_CHECKS = (
    "internal_dnc_clear",
    "consent_not_withdrawn",
    "consent_not_expired",
    "national_dnc_clear",
)


@dataclass(frozen=True)
class GateInputs:
    """Everything the decision depends on; no PHI (no phone, name or birth date)."""

    now: datetime
    client_id: str
    campaign_id: str
    client_timezone: str
    client_state: str
    internal_dnc: bool
    national_dnc: bool
    marketing_consent: bool | None  # latest ledger entry; None = never recorded
    marketing_consent_expires_at: datetime | None = None
    recent_attempts: tuple[datetime, ...] = ()  # dial times, all campaigns, last 8 days
    campaign_attempts: int = 0
    window: CallingWindow = field(default_factory=CallingWindow)
    caps: FrequencyCaps = field(default_factory=FrequencyCaps)
    # Non-empty only when calls go to the local phone simulator (compliance/simulator_policy.py):
    # the per-state hours, holiday and 24 h rules protect people, and no person can be reached.
    # The campaign's own window, caps, DNC and consent still apply.
    state_rules_waiver: str = ""

    def record(self) -> dict[str, str]:
        """The inputs as flat strings for the workflow history (ids, zone and state; no PHI)."""
        return {
            "now": self.now.isoformat(),
            "client_id": self.client_id,
            "campaign_id": self.campaign_id,
            "client_timezone": self.client_timezone,
            "client_state": self.client_state,
            "internal_dnc": str(self.internal_dnc).lower(),
            "national_dnc": str(self.national_dnc).lower(),
            "marketing_consent": "none"
            if self.marketing_consent is None
            else str(self.marketing_consent).lower(),
            "marketing_consent_expires_at": self.marketing_consent_expires_at.isoformat()
            if self.marketing_consent_expires_at
            else "",
            "recent_attempts": ",".join(a.isoformat() for a in self.recent_attempts),
            "campaign_attempts": str(self.campaign_attempts),
            "window": f"{self.window.start_hour}-{self.window.end_hour}"
            + (" weekdays" if self.window.weekdays_only else ""),
            "caps": f"day={self.caps.per_day} week={self.caps.per_week} campaign={self.caps.per_campaign}",
            "state_rules_waiver": self.state_rules_waiver,
        }


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    reasons: tuple[str, ...]
    inputs: GateInputs
    permanent: bool = False
    retry_at: datetime | None = None
    checks: dict[str, bool] = field(default_factory=dict)

    def to_message(self) -> DialGateDecision:
        """The shared workflow message (domain.messages.DialGateDecision)."""
        suppressed = any(not self.checks.get(name, True) for name in _SUPPRESSION_CHECKS)
        return DialGateDecision(
            allowed=self.allowed,
            blocked_outcome=Outcome.DNC_BLOCKED if self.permanent and suppressed else None,
            reason="ok" if self.allowed else ", ".join(self.reasons),
            checks=dict(self.checks),
            retry_at=None if self.permanent else self.retry_at,
            inputs=self.inputs.record(),
        )


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("gate times must be timezone-aware")
    return at


def _consent_valid(inputs: GateInputs) -> bool:
    if inputs.marketing_consent is not True:
        return False
    expires = inputs.marketing_consent_expires_at
    return expires is None or _aware(expires) > inputs.now


def _window_open(
    local: datetime, window: CallingWindow, rule: EffectiveRule, waived: bool
) -> dict[str, bool]:
    hours = rule.hours.get(local.weekday())
    state_ok = waived or (hours is not None and hours[0] <= local.hour < hours[1])
    holiday_ok = waived or not (rule.no_holidays and local.date() in holidays(local.year))
    campaign_ok = window.start_hour <= local.hour < window.end_hour and not (
        window.weekdays_only and local.weekday() >= 5
    )
    return {"state_hours": state_ok, "state_holiday": holiday_ok, "campaign_window": campaign_ok}


def _deferrable_checks(at: datetime, inputs: GateInputs, rule: EffectiveRule) -> dict[str, bool]:
    zone = ZoneInfo(inputs.client_timezone)
    local = at.astimezone(zone)
    attempts = [a.astimezone(zone) for a in map(_aware, inputs.recent_attempts) if a <= at]
    today = sum(1 for a in attempts if a.date() == local.date())
    week = sum(1 for a in attempts if a.isocalendar()[:2] == local.isocalendar()[:2])
    last_24h = sum(1 for a in attempts if at - a < timedelta(hours=24))
    waived = bool(inputs.state_rules_waiver)
    checks = _window_open(local, inputs.window, rule, waived)
    checks["daily_cap"] = today < inputs.caps.per_day
    checks["weekly_cap"] = week < inputs.caps.per_week
    checks["state_24h_cap"] = waived or rule.max_calls_per_24h is None or last_24h < rule.max_calls_per_24h
    return checks


def _next_allowed(inputs: GateInputs, rule: EffectiveRule) -> datetime | None:
    now = inputs.now.astimezone(UTC)
    step_s = int(SEARCH_STEP.total_seconds())
    candidate = datetime.fromtimestamp((int(now.timestamp()) // step_s + 1) * step_s, UTC)
    end = now + SEARCH_HORIZON
    while candidate <= end:
        if all(_deferrable_checks(candidate, inputs, rule).values()):
            return candidate
        candidate += SEARCH_STEP
    return None


def within_calling_hours(
    at: datetime, client_timezone: str, client_state: str, window: CallingWindow
) -> bool:
    """Whether the hour rules alone (campaign window, federal and state hours, state holidays)
    allow a dial at `at`; what an auditor re-checks against the instant a call was placed."""
    local = _aware(at).astimezone(ZoneInfo(client_timezone))
    return all(_window_open(local, window, rule_for(client_state), waived=False).values())


def evaluate_dial(inputs: GateInputs) -> GateDecision:
    """May this client be dialled for this campaign at `inputs.now`?"""
    _aware(inputs.now)
    ZoneInfo(inputs.client_timezone)  # unknown zones fail loudly (ZoneInfoNotFoundError)
    rule = rule_for(inputs.client_state)
    consent_valid = _consent_valid(inputs)
    permanent_checks = {
        "internal_dnc_clear": not inputs.internal_dnc,
        "consent_not_withdrawn": inputs.marketing_consent is not False,
        "consent_not_expired": not (inputs.marketing_consent is True and not consent_valid),
        # Prior express consent on record is the exemption that permits calling a registered number.
        "national_dnc_clear": not inputs.national_dnc or consent_valid,
        "campaign_cap": inputs.campaign_attempts < inputs.caps.per_campaign,
    }
    deferrable = _deferrable_checks(inputs.now, inputs, rule)
    checks = {**permanent_checks, **deferrable}
    reasons = tuple(name for name, ok in checks.items() if not ok)
    if not reasons:
        return GateDecision(True, (), inputs, checks=checks)
    permanent = not all(permanent_checks.values())
    retry_at = None if permanent else _next_allowed(inputs, rule)
    return GateDecision(
        False, reasons, inputs, permanent=permanent or retry_at is None, retry_at=retry_at, checks=checks
    )
