"""Database rows. Side-effect tables carry an `idempotency_key` with a unique constraint so a
retried activity writes once (DESIGN.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from security.field_crypto import EncryptedDate, EncryptedString


class Base(DeclarativeBase):
    pass


class Broker(Base):
    __tablename__ = "brokers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    work_start_hour: Mapped[int] = mapped_column(Integer, default=9)
    work_end_hour: Mapped[int] = mapped_column(Integer, default=17)
    work_days: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    broker_id: Mapped[str] = mapped_column(ForeignKey("brokers.id"), index=True)
    # Encrypted at rest (security/field_crypto.py); look clients up by phone via phone_hash.
    first_name: Mapped[str] = mapped_column(EncryptedString("clients.first_name"))
    last_name: Mapped[str] = mapped_column(EncryptedString("clients.last_name"))
    phone: Mapped[str] = mapped_column(EncryptedString("clients.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    email: Mapped[str] = mapped_column(EncryptedString("clients.email"))
    timezone: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(2))
    date_of_birth: Mapped[date] = mapped_column(EncryptedDate("clients.date_of_birth"))
    current_plan: Mapped[str] = mapped_column(String(200))
    coverage_gaps: Mapped[list[str]] = mapped_column(JSON, default=list)
    has_spouse: Mapped[bool] = mapped_column(Boolean, default=False)
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    # Never readable by the ai_agent role (db.access enforces it).
    ssn: Mapped[str | None] = mapped_column(EncryptedString("clients.ssn"), nullable=True)
    medical_notes: Mapped[str | None] = mapped_column(EncryptedString("clients.medical_notes"), nullable=True)
    persona: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    spec: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CampaignMember(Base):
    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_id", "client_id", name="uq_campaign_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id"))


class CallAttempt(Base):
    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    call_sid: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(30))
    result: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The lease that serialises executions of this attempt's place_call (db/repositories/attempts.py)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Wall-clock instant the carrier was first asked (a retry looks for calls made since then)
    dial_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # What the call consumed (CallUsage), the basis of cost per call
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    stt_audio_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    llm_input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    llm_output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    tts_characters: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("broker_id", "slot_start", name="uq_appointment_broker_slot"),
        UniqueConstraint("client_id", "campaign_id", name="uq_appointment_client_campaign"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64))
    broker_id: Mapped[str] = mapped_column(String(64), index=True)
    slot_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    product: Mapped[str] = mapped_column(String(20))
    confirmation_code: Mapped[str] = mapped_column(String(20))
    call_sid: Mapped[str] = mapped_column(String(64), default="")
    # The booking's id at an outside calendar (Calendly's invitee URI); None for local calendars.
    external_ref: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Callback(Base):
    __tablename__ = "callbacks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    broker_id: Mapped[str] = mapped_column(String(64))
    callback_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")


class DncEntry(Base):
    __tablename__ = "dnc_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(EncryptedString("dnc_entries.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrmNote(Base):
    __tablename__ = "crm_notes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(30))
    # Outcome notes and the agent's notes name the client and what was said: encrypted at rest.
    body: Mapped[str] = mapped_column(EncryptedString("crm_notes.body"))
    appointment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrmTask(Base):
    __tablename__ = "crm_tasks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    broker_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="open")


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    # The client's address, name and appointment: encrypted at rest (the template name is not).
    to_address: Mapped[str] = mapped_column(EncryptedString("outbox_emails.to_address"))
    subject: Mapped[str] = mapped_column(EncryptedString("outbox_emails.subject"))
    body: Mapped[str] = mapped_column(EncryptedString("outbox_emails.body"))
    template: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
