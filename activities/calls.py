"""Telephony side effects during and after a call. Dialling itself is activities/dialling.py (on
its own rate-limited task queue, worker.py)."""

from __future__ import annotations

from temporalio import activity

from activities.errors import domain_errors
from adapters.telephony.base import CallNotFound, Telephony
from adapters.telephony.urls import TwilioUrls
from db.repositories import attempts
from db.repositories.clients import get_broker
from db.repositories.recordings import save_recording
from db.session import Database
from domain.messages import (
    HangupRequest,
    RecordAttemptRequest,
    RecordingRegistration,
    TransferRequest,
    TransferResult,
)


class CallActivities:
    def __init__(self, db: Database, telephony: Telephony, public_base_url: str) -> None:
        self._db = db
        self._telephony = telephony
        self._urls = TwilioUrls(public_base_url)

    @activity.defn
    async def register_recording(self, request: RecordingRegistration) -> None:
        """Remember a recording Twilio reported, so the retention job deletes it when due."""
        async with self._db.session() as session:
            if await save_recording(
                session,
                recording_sid=request.recording_sid,
                call_sid=request.call_sid,
                client_id=request.client_id,
                campaign_id=request.campaign_id,
                created_at=request.started_at,
            ):
                await session.commit()

    @activity.defn
    async def record_attempt_result(self, request: RecordAttemptRequest) -> None:
        async with self._db.session() as session:
            await attempts.finish_attempt(
                session,
                request.idempotency_key,
                request.status,
                request.result,
                request.usage,
                request.duration_seconds,
            )

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
