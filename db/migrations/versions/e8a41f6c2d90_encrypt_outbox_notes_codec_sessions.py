"""codec browser sessions (random id, hash only)

Revision ID: e8a41f6c2d90
Revises: c3d9e1f07a52
Create Date: 2026-11-26 09:00:00

`codec_sessions` backs the Temporal UI codec's browser sign-in: the cookie holds a random session
id, this table only its SHA-256, the API key it was opened with and its expiry
(security/codec_sessions.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8a41f6c2d90"
down_revision: str | None = "c3d9e1f07a52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "codec_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_hash"),
    )
    op.create_index("ix_codec_sessions_api_key_id", "codec_sessions", ["api_key_id"])
    op.create_index("ix_codec_sessions_expires_at", "codec_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_codec_sessions_expires_at", table_name="codec_sessions")
    op.drop_index("ix_codec_sessions_api_key_id", table_name="codec_sessions")
    op.drop_table("codec_sessions")
