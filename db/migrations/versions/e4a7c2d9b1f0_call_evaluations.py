"""call evaluations: per-call prompt version and outcome (A/B counts), human review queue

Revision ID: e4a7c2d9b1f0
Revises: e8a41f6c2d90
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4a7c2d9b1f0"
down_revision: str | None = "e8a41f6c2d90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_evaluations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False, unique=True),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("prompt_version", sa.String(20), nullable=False),
        sa.Column("arm", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("blocked_utterances", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("shadow_differences", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("flag_reason", sa.String(40), nullable=False, server_default=""),
        sa.Column("redacted_transcript", sa.Text(), nullable=True),
        sa.Column("review_status", sa.String(20), nullable=False, server_default="none"),
        sa.Column("reviewer", sa.String(100), nullable=True),
        sa.Column("verdict", sa.String(20), nullable=True),
        sa.Column("review_notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_call_evaluations_version", "call_evaluations", ["campaign_id", "prompt_version"])
    op.create_index("ix_call_evaluations_review", "call_evaluations", ["flagged", "review_status"])


def downgrade() -> None:
    op.drop_index("ix_call_evaluations_review", table_name="call_evaluations")
    op.drop_index("ix_call_evaluations_version", table_name="call_evaluations")
    op.drop_table("call_evaluations")
