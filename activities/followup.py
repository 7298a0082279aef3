"""After the call: CRM, email, DNC and callback records. Each write is once per idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.client_reads import read_contact
from activities.emails import render_email
from activities.errors import domain_errors
from adapters.crm.base import Crm
from adapters.email.base import EmailSender
from db.models_privacy import ConsentKind
from db.repositories import outreach as repo
from db.repositories.clients import get_broker
from db.repositories.consent import record_consent, record_opt_out
from db.session import Database
from domain.messages import (
    CallbackConfirmation,
    CallbackRecordRequest,
    CallbackStatusRequest,
    CallbackTimeChange,
    CrmWriteRequest,
    CrmWriteResult,
    DncAddRequest,
    DncAddResult,
    EmailRequest,
    EmailResult,
    RecordingConsentRecord,
    StrayCallbacksRequest,
)
from observability import metrics


class FollowUpActivities:
    def __init__(self, db: Database, crm: Crm, email: EmailSender) -> None:
        self._db = db
        self._crm = crm
        self._email = email

    @activity.defn
    async def write_crm_outcome(self, request: CrmWriteRequest) -> CrmWriteResult:
        async with domain_errors():
            record_id = await self._crm.write_outcome(
                request.idempotency_key,
                request.client_id,
                request.campaign_id,
                request.outcome.value,
                request.note,
                request.appointment_id,
            )
        if activity.info().attempt == 1:  # a retry after a lost answer is the same outcome
            metrics.record_outcome(request.outcome.value)
        return CrmWriteResult(record_id=record_id)

    @activity.defn
    async def send_email(self, request: EmailRequest) -> EmailResult:
        async with domain_errors(), self._db.session() as session:
            client = await read_contact(session, "email", request.client_id, f"email {request.template}")
            broker = await get_broker(session, request.broker_id or client.broker_id)
            appointment = await repo.appointment(session, request.appointment_id)
            callback = await repo.callback(session, request.callback_id)
            to_address = broker.email if request.template.startswith("broker_") else client.email
            try:
                subject, body = render_email(request.template, client, broker, appointment, callback)
            except ValueError as exc:  # an unknown template or a missing row: no retry fixes it
                raise ApplicationError(str(exc), type="EmailTemplateError", non_retryable=True) from exc
        message_id = await self._email.send(
            request.idempotency_key, to_address, subject, body, request.template
        )
        return EmailResult(message_id=message_id)

    @activity.defn
    async def add_to_dnc(self, request: DncAddRequest) -> DncAddResult:
        """Opt-out: permanent suppression across campaigns and the marketing-consent withdrawal,
        written together in one transaction (the consent ledger is the record of it)."""
        async with domain_errors(), self._db.session() as session:
            result = await record_opt_out(
                session,
                idempotency_key=request.idempotency_key,
                client_id=request.client_id,
                campaign_id=request.campaign_id,
                call_sid=None,
                source=request.source,
                at=datetime.now(UTC),
            )
            await session.commit()
        return DncAddResult(added=result.dnc_added)

    @activity.defn
    async def record_recording_consent(self, request: RecordingConsentRecord) -> None:
        """The recording-consent answer, kept in the consent ledger (the evidence that outlives
        workflow histories); once per key."""
        async with self._db.session() as session:
            await record_consent(
                session,
                idempotency_key=request.idempotency_key,
                client_id=request.client_id,
                kind=ConsentKind.RECORDING,
                granted=request.granted,
                method=request.method,
                recorded_by="system:consent",
                at=request.at,
                call_sid=request.call_sid,
                campaign_id=request.campaign_id,
            )
            await session.commit()

    @activity.defn
    async def record_callback(self, request: CallbackRecordRequest) -> CallbackConfirmation:
        async with self._db.session() as session:
            row, _ = await repo.record_callback(
                session,
                request.idempotency_key,
                request.campaign_id,
                request.client_id,
                request.broker_id,
                request.callback_at,
                request.owner.value,
            )
        return CallbackConfirmation(
            callback_id=row.id, callback_at=repo.as_utc(row.callback_at), owner=request.owner
        )

    @activity.defn
    async def set_callback_status(self, request: CallbackStatusRequest) -> None:
        async with self._db.session() as session:
            await repo.set_callback_status(session, request.callback_id, request.status)

    @activity.defn
    async def close_stray_callbacks(self, request: StrayCallbacksRequest) -> int:
        """At a client run's end: its callbacks it no longer stands behind (an opt-out won, a
        callback was honoured or replaced, or a write landed in a workflow task that was lost)
        leave the brokers' open lists."""
        async with self._db.session() as session:
            return await repo.close_stray_callbacks(session, request.key_prefix, request.keep, request.status)

    @activity.defn
    async def move_callback(self, request: CallbackTimeChange) -> None:
        async with self._db.session() as session:
            await repo.move_callback(session, request.callback_id, request.callback_at)

    @activity.defn
    async def create_crm_task(self, request: CallbackRecordRequest) -> CrmWriteResult:
        async with domain_errors():
            task_id = await self._crm.create_task(
                request.idempotency_key,
                request.client_id,
                request.broker_id,
                f"Missed callback ({request.owner.value})",
                request.callback_at,
            )
        return CrmWriteResult(record_id=task_id)
