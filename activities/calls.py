"""Telephony side effects. Dialling runs on its own rate-limited task queue (worker.py)."""

from __future__ import annotations

from temporalio import activity

from activities.client_reads import read_for_step
from activities.errors import domain_errors
from adapters.telephony.base import CallNotFound, Telephony
from adapters.telephony.urls import TwilioUrls
from db.repositories import outreach as repo
from db.repositories.clients import get_broker
from db.session import Database
from domain.messages import (
    HangupRequest,
    PlaceCallRequest,
    PlaceCallResult,
    RecordAttemptRequest,
    TransferRequest,
    TransferResult,
)


class CallActivities:
    def __init__(self, db: Database, telephony: Telephony, public_base_url: str) -> None:
        self._db = db
        self._telephony = telephony
        self._urls = TwilioUrls(public_base_url)

    @activity.defn
    async def place_call(self, request: PlaceCallRequest) -> PlaceCallResult:
        """Dial once per key: the attempt row is written first and carries the call sid, so a
        retried activity returns the first call instead of dialling again."""
        async with domain_errors(), self._db.session() as session:
            client = await read_for_step(session, "dial", request.client_id, ("phone",), "place call")
            row, _created = await repo.record_attempt(
                session,
                request.idempotency_key,
                request.campaign_id,
                request.client_id,
                request.attempt,
                None,
                "dialing",
                at=request.dialled_at,
            )
            if row.call_sid:
                return PlaceCallResult(call_sid=row.call_sid)
            result = await self._telephony.place_call(request, client["phone"])
            row.call_sid = result.call_sid
            row.status = "dialed"
            await session.commit()
            return result

    @activity.defn
    async def record_attempt_result(self, request: RecordAttemptRequest) -> None:
        async with self._db.session() as session:
            await repo.finish_attempt(session, request.idempotency_key, request.status, request.result)

    @activity.defn
    async def hangup_call(self, request: HangupRequest) -> None:
        try:
            await self._telephony.hangup(request.call_sid)
        except CallNotFound:
            return  # already over: hanging up twice is the same as once

    @activity.defn
    async def transfer_call(self, request: TransferRequest) -> TransferResult:
        async with domain_errors(), self._db.session() as session:
            broker = await get_broker(session, request.broker_id)
        workflow_id = activity.info().workflow_id
        if not workflow_id:
            raise RuntimeError("transfer_call must run inside a workflow")
        whisper = self._urls.whisper(workflow_id)
        try:
            await self._telephony.transfer(request.call_sid, broker.phone, whisper, workflow_id)
        except CallNotFound:
            return TransferResult(connected=False)
        return TransferResult(connected=True)
