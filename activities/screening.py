"""Screening before the first dial and the gate before every dial: DNC, eligibility, attempts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from temporalio import activity

from activities.client_reads import read_for_step
from activities.errors import domain_errors
from adapters.phone_numbers import normalize_e164
from compliance.db_inputs import gather_gate_inputs
from compliance.gate import evaluate_dial
from db.repositories import outreach as repo
from db.session import Database
from domain.enums import Outcome, ProductType
from domain.messages import DialGateDecision, DialGateRequest, ScreeningRequest, ScreeningResult
from domain.phone import InvalidPhoneNumber

SCREENING_FIELDS = ("phone", "timezone", "coverage_gaps", "eligible")


class ScreeningActivities:
    def __init__(self, db: Database, state_rules_waiver: str = "") -> None:
        """`state_rules_waiver`: see compliance/simulator_policy.py ('' enforces every rule)."""
        self._db = db
        self._state_rules_waiver = state_rules_waiver

    @activity.defn
    async def screen_client(self, request: ScreeningRequest) -> ScreeningResult:
        async with domain_errors(), self._db.session() as session:
            client = await read_for_step(
                session, "screening", request.client_id, SCREENING_FIELDS, "screen for outreach"
            )
            attempts = await repo.count_attempts(session, request.campaign_id, request.client_id)
            timezone = client["timezone"]
            try:
                normalize_e164(client["phone"])
            except InvalidPhoneNumber:
                # Not retryable and not the caller's fault: the record needs fixing, so the client
                # ends as failed with a reason instead of the workflow crashing.
                return ScreeningResult(
                    False, Outcome.FAILED, "invalid phone number on file", timezone, attempts, ()
                )
            gaps = {
                ProductType(g) for g in client["coverage_gaps"] or () if g in ProductType._value2member_map_
            }
            eligible = tuple(p for p in request.products if p in gaps) if client["eligible"] else ()
            if await repo.is_dnc(session, client["phone"]):
                return ScreeningResult(
                    False, Outcome.DNC_BLOCKED, "on do-not-call list", timezone, attempts, ()
                )
            if not eligible:
                return ScreeningResult(
                    False, Outcome.INELIGIBLE, "no eligible coverage gap", timezone, attempts, ()
                )
            return ScreeningResult(True, None, "ok", timezone, attempts, eligible)

    @activity.defn
    async def dial_gate(self, request: DialGateRequest) -> DialGateDecision:
        """The compliance gate (compliance/gate.py), re-checked at every attempt, retry and callback:
        DNC (internal and national), consent, per-state hours and the campaign window in the
        client's local time, frequency caps. Returned whole, so the workflow history keeps the
        inputs and the decision. `request.at` is the workflow's clock, so time-skipping tests and
        replays judge the same instant the workflow did."""
        at = request.at or datetime.now(UTC)
        async with domain_errors(), self._db.session() as session:
            inputs = await gather_gate_inputs(
                session, request.client_id, request.campaign_id, at, window=request.window, caps=request.caps
            )
        decision = evaluate_dial(replace(inputs, state_rules_waiver=self._state_rules_waiver))
        return decision.to_message()
