"""Screening before the first dial and the gate before every dial: DNC, eligibility, attempts."""

from __future__ import annotations

from temporalio import activity

from activities.errors import domain_errors
from adapters.phone_numbers import normalize_e164
from db.repositories import outreach as repo
from db.repositories.clients import get_client
from db.session import Database
from domain.enums import Outcome, ProductType
from domain.messages import DialGateDecision, DialGateRequest, ScreeningRequest, ScreeningResult
from domain.phone import InvalidPhoneNumber


class ScreeningActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    async def screen_client(self, request: ScreeningRequest) -> ScreeningResult:
        async with domain_errors(), self._db.session() as session:
            client = await get_client(session, request.client_id)
            attempts = await repo.count_attempts(session, request.campaign_id, request.client_id)
            try:
                normalize_e164(client.phone)
            except InvalidPhoneNumber:
                # Not retryable and not the caller's fault: the record needs fixing, so the client
                # ends as failed with a reason instead of the workflow crashing.
                return ScreeningResult(
                    False, Outcome.FAILED, "invalid phone number on file", client.timezone, attempts, ()
                )
            gaps = {ProductType(g) for g in client.coverage_gaps if g in ProductType._value2member_map_}
            eligible = tuple(p for p in request.products if p in gaps) if client.eligible else ()
            if await repo.is_dnc(session, client.phone):
                return ScreeningResult(
                    False, Outcome.DNC_BLOCKED, "on do-not-call list", client.timezone, attempts, ()
                )
            if not eligible:
                return ScreeningResult(
                    False, Outcome.INELIGIBLE, "no eligible coverage gap", client.timezone, attempts, ()
                )
            return ScreeningResult(True, None, "ok", client.timezone, attempts, eligible)

    @activity.defn
    async def dial_gate(self, request: DialGateRequest) -> DialGateDecision:
        """Re-checked at every attempt, retry and callback: a number suppressed since screening
        must not be dialled. The decision and its inputs are recorded in the workflow history."""
        async with domain_errors(), self._db.session() as session:
            client = await get_client(session, request.client_id)
            on_dnc = await repo.is_dnc(session, client.phone)
        checks = {"internal_dnc_clear": not on_dnc}
        if on_dnc:
            return DialGateDecision(False, Outcome.DNC_BLOCKED, "on do-not-call list", checks)
        return DialGateDecision(True, None, "ok", checks)
