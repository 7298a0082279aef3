"""Online evaluation rows: one per finished call with the prompt version it ran and its outcome
(the A/B counts), and - for the calls sampled for human review - a redacted transcript and the
reviewer's verdict. Ids only; the transcript is redacted before it is written
(conversation/online.py). Same `Base` as db.models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class CallEvaluation(Base):
    __tablename__ = "call_evaluations"
    __table_args__ = (
        Index("ix_call_evaluations_version", "campaign_id", "prompt_version"),
        Index("ix_call_evaluations_review", "flagged", "review_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64))
    prompt_version: Mapped[str] = mapped_column(String(20))
    arm: Mapped[str] = mapped_column(String(20))  # control | candidate | local
    outcome: Mapped[str] = mapped_column(String(30))
    turns: Mapped[int] = mapped_column(Integer, default=0)
    blocked_utterances: Mapped[int] = mapped_column(Integer, default=0)
    shadow_differences: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str] = mapped_column(String(40), default="")
    redacted_transcript: Mapped[str | None] = mapped_column(Text, nullable=True)
    review_status: Mapped[str] = mapped_column(String(20), default="none")  # none | pending | reviewed
    reviewer: Mapped[str | None] = mapped_column(String(100), nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(20), nullable=True)  # good | bad
    review_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
