"""Screening before the first dial: DNC, eligibility, a dialable number, attempts so far. The
compliance gate itself is judged inside every dial (activities/dialling.py)."""

from __future__ import annotations

from temporalio import activity

from activities.client_reads import read_for_step
from activities.errors import domain_errors
from adapters.phone_numbers import normalize_e164
from db.repositories import attempts
from db.repositories import outreach as repo
from db.session import Database
from domain.enums import Outcome, ProductType
from domain.messages import ScreeningRequest, ScreeningResult
from domain.phone import InvalidPhoneNumber

SCREENING_FIELDS = ("phone", "timezone", "coverage_gaps", "eligible")


class ScreeningActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    async def screen_client(self, request: ScreeningRequest) -> ScreeningResult:
        async with domain_errors(), self._db.session() as session:
            client = await read_for_step(
                session, "screening", request.client_id, SCREENING_FIELDS, "screen for outreach"
            )
            attempts_so_far = await attempts.count_attempts(session, request.campaign_id, request.client_id)
            timezone = client["timezone"]
            try:
                normalize_e164(client["phone"])
            except InvalidPhoneNumber:
                # Not retryable and not the caller's fault: the record needs fixing, so the client
                # ends as failed with a reason instead of the workflow crashing.
                return ScreeningResult(
                    False, Outcome.FAILED, "invalid phone number on file", timezone, attempts_so_far, ()
                )
            gaps = {
                ProductType(g) for g in client["coverage_gaps"] or () if g in ProductType._value2member_map_
            }
            eligible = tuple(p for p in request.products if p in gaps) if client["eligible"] else ()
            if await repo.is_dnc(session, client["phone"]):
                return ScreeningResult(
                    False, Outcome.DNC_BLOCKED, "on do-not-call list", timezone, attempts_so_far, ()
                )
            if not eligible:
                return ScreeningResult(
                    False, Outcome.INELIGIBLE, "no eligible coverage gap", timezone, attempts_so_far, ()
                )
            return ScreeningResult(True, None, "ok", timezone, attempts_so_far, eligible)
