"""Privacy tables: consent ledger, imported national DNC list, call recordings (for retention),
hashed API keys and the codec's browser sessions; plus the index that keeps the audit hash chain linear. Same `Base` as db.models,
so `Database.create_all()` creates them once this module is imported (db.access imports it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import AuditEntry, Base


class ConsentKind:
    RECORDING = "recording"
    MARKETING = "marketing"


class ConsentRecord(Base):
    """One consent event (given or withdrawn). Append-only: the latest row per (client, kind)
    is the current state, and the history is the evidence."""

    __tablename__ = "consent_ledger"
    __table_args__ = (Index("ix_consent_client_kind", "client_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # ConsentKind
    granted: Mapped[bool] = mapped_column(Boolean)
    method: Mapped[str] = mapped_column(String(30))  # speech | dtmf | written | web | broker
    call_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NationalDncNumber(Base):
    """A number from the imported national Do-Not-Call registry file; only its keyed hash is kept."""

    __tablename__ = "national_dnc"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    list_name: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Recording(Base):
    """A call recording held at Twilio; deleted there and here after the retention period."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str] = mapped_column(String(64))
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ApiKey(Base):
    """An API credential. Only SHA-256 of the token is stored; the token is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    broker_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CodecSession(Base):
    """A Temporal UI browser session for the payload codec: the cookie holds a random id, this row
    only its SHA-256, the API key it was opened with and when it ends (db/codec_sessions.py)."""

    __tablename__ = "codec_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


# Two writers that read the same chain head cannot both append: the second insert fails and
# retries on the new head, so the chain never forks (db/repositories/audit.py).
Index("uq_audit_prev_hash", AuditEntry.prev_hash, unique=True)
