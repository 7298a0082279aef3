"""place_call: at most one carrier call per attempt, whatever fails around it.

- Executions of one attempt are serialised by a lease on the attempt row (heartbeat-renewed), so a
  retry that starts while a timed-out first execution still runs waits for it, then finds its call.
- The attempt is marked `dialing` (with the wall-clock start) before the carrier is asked; a later
  execution that finds it so, or any execution whose create failed, asks the carrier for calls
  to the number since then and adopts the earliest (hanging up any other) instead of dialling.
- The compliance gate is judged here, at the moment of dialling, after the campaign's permit:
  a deferral or block returns no call, and the attempt stays `pending` (not counted by caps).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.client_reads import read_for_step
from activities.errors import domain_errors
from adapters.telephony.base import CallNotFound, CarrierCall, Telephony, TelephonyError, TelephonyRejected
from compliance.db_inputs import gather_gate_inputs
from compliance.gate import evaluate_dial
from db.repositories import attempts
from db.session import Database
from domain.messages import AdoptCallRequest, DialGateDecision, PlaceCallRequest, PlaceCallResult
from domain.phone import InvalidPhoneNumber
from observability import metrics

if TYPE_CHECKING:  # types only: activities import ports and repositories at run time
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.models import CallAttempt

log = logging.getLogger("gyde.activities.dialling")

LEASE = timedelta(seconds=30)
RENEW_EVERY_S = 5.0
LEASE_WAIT_S = LEASE.total_seconds() + 15.0
LEASE_POLL_S = 0.5


def _now() -> datetime:
    return datetime.now(UTC)


class DialActivities:
    def __init__(self, db: Database, telephony: Telephony, state_rules_waiver: str = "") -> None:
        """`state_rules_waiver`: see compliance/simulator_policy.py ('' enforces every rule)."""
        self._db = db
        self._telephony = telephony
        self._waiver = state_rules_waiver

    @activity.defn
    async def place_call(self, request: PlaceCallRequest) -> PlaceCallResult:
        key = request.idempotency_key
        owner = uuid.uuid4().hex
        async with domain_errors(), self._db.session() as session:
            client = await read_for_step(session, "dial", request.client_id, ("phone",), "place call")
            await attempts.record_attempt(
                session,
                key,
                request.campaign_id,
                request.client_id,
                request.attempt,
                None,
                attempts.PENDING,
                at=request.dialled_at,
            )
            # The common case takes the free lease in the same session (one round trip less).
            leased = await attempts.try_lease(session, key, owner, _now() + LEASE)
        if not leased:
            await self._acquire(key, owner)
        keeper = asyncio.create_task(self._keep_lease(key, owner))
        try:
            async with domain_errors():
                return await self._place(request, client["phone"])
        finally:
            keeper.cancel()
            with contextlib.suppress(BaseException):
                await keeper
            async with self._db.session() as session:
                await attempts.release_lease(session, key, owner)

    @activity.defn
    async def adopt_call(self, request: AdoptCallRequest) -> PlaceCallResult:
        """The workflow follows a call a signed status callback reported for this attempt
        (place_call never answered): record it, unless the row already names the attempt's call."""
        async with self._db.session() as session:
            row, _ = await attempts.record_attempt(
                session,
                request.idempotency_key,
                request.campaign_id,
                request.client_id,
                request.attempt,
                request.call_sid,
                attempts.DIALED,
            )
            if row.call_sid:
                return PlaceCallResult(call_sid=row.call_sid, adopted=True)
            await attempts.store_call(session, row, request.call_sid)
        return PlaceCallResult(call_sid=request.call_sid, adopted=True)

    # --- the dial ---------------------------------------------------------------------------

    async def _place(self, request: PlaceCallRequest, phone: str) -> PlaceCallResult:
        async with self._db.session() as session:
            # A fresh session: the select reads the row as the lease holder left it.
            row = await attempts.find(session, request.idempotency_key)
            if row is None:
                raise ApplicationError("attempt row vanished", type="AttemptMissing")
            if row.call_sid:
                return PlaceCallResult(call_sid=row.call_sid, adopted=True)
            if row.status == attempts.DIALING:
                adopted = await self._adopt_earlier_call(session, row, phone)
                if adopted is not None:
                    return adopted
            at = max(request.dialled_at or _now(), _now())
            decision = await self._gate(session, request, at)
            if not decision.allowed:
                await attempts.set_status(session, row, attempts.PENDING)
                return PlaceCallResult(call_sid=None, gate=decision)
            row.created_at = at  # caps count the dial at its instant
            await attempts.set_status(
                session, row, attempts.DIALING, dial_started_at=row.dial_started_at or _now()
            )
            try:
                placed = await self._telephony.place_call(request, phone)
            except (InvalidPhoneNumber, TelephonyRejected):
                await attempts.set_status(session, row, attempts.PENDING)
                raise  # refused outright (bad number, bad parameters): no call exists
            except TelephonyError:
                adopted = await self._adopt_earlier_call(session, row, phone)
                if adopted is not None:
                    return adopted
                raise
            if not placed.call_sid:
                raise TelephonyError("carrier returned no call sid")
            await attempts.store_call(session, row, placed.call_sid)
            log.info("dialled attempt %s call=%s", request.attempt, placed.call_sid)
            return PlaceCallResult(call_sid=placed.call_sid, gate=decision)

    async def _adopt_earlier_call(
        self, session: AsyncSession, row: CallAttempt, phone: str
    ) -> PlaceCallResult | None:
        """The carrier's own list of calls to this number since the attempt began: the earliest
        not owned by another attempt is this attempt's call; any other live one is hung up."""
        since = row.dial_started_at
        if since is None:
            return None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        found = await self._telephony.find_calls(phone, since)
        taken = await attempts.sids_of_other_attempts(session, (c.sid for c in found), row.idempotency_key)
        ours = [c for c in found if c.sid not in taken]
        if not ours:
            return None
        keep, extras = ours[0], ours[1:]
        await attempts.store_call(session, row, keep.sid)
        await self._hang_up_extras(extras)
        log.warning("attempt %s: adopted the call an earlier try made (call=%s)", row.attempt, keep.sid)
        return PlaceCallResult(call_sid=keep.sid, adopted=True)

    async def _hang_up_extras(self, extras: list[CarrierCall]) -> None:
        for call in extras:
            if not call.live:
                continue
            with contextlib.suppress(CallNotFound):
                await self._telephony.hangup(call.sid)
            log.warning("hung up a duplicate call of one attempt (call=%s)", call.sid)

    async def _gate(self, session: AsyncSession, request: PlaceCallRequest, at: datetime) -> DialGateDecision:
        inputs = await gather_gate_inputs(
            session,
            request.client_id,
            request.campaign_id,
            at,
            window=request.window,
            caps=request.caps,
            exclude_key=request.idempotency_key,
        )
        decision = evaluate_dial(replace(inputs, state_rules_waiver=self._waiver)).to_message()
        metrics.record_gate(decision.allowed, decision.retry_at is not None)
        return decision

    # --- the lease --------------------------------------------------------------------------

    async def _acquire(self, key: str, owner: str) -> None:
        """Wait (heartbeating) for the attempt's lease; an execution that cannot get it within
        the lease time plus a margin fails retryably rather than dial beside the holder."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LEASE_WAIT_S
        while True:
            async with self._db.session() as session:
                if await attempts.try_lease(session, key, owner, _now() + LEASE):
                    return
            if loop.time() > deadline:
                raise ApplicationError("another execution holds this dial attempt", type="AttemptBusy")
            activity.heartbeat("waiting for the attempt lease")
            await asyncio.sleep(LEASE_POLL_S)

    async def _keep_lease(self, key: str, owner: str) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY_S)
            activity.heartbeat("dialling")
            async with self._db.session() as session:
                if not await attempts.renew_lease(session, key, owner, _now() + LEASE):
                    log.error("attempt lease lost while dialling")
                    return
