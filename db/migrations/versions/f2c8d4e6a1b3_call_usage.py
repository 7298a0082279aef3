"""what each call consumed: carrier duration, STT seconds, LLM tokens, TTS characters

Revision ID: f2c8d4e6a1b3
Revises: e4a7c2d9b1f0
Create Date: 2026-12-01 13:00:00

Recorded per attempt from the media server's CallEnded.usage and the carrier's call duration;
ids and counts only. Rolled up per campaign and broker as cost per call, booking and opt-out.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2c8d4e6a1b3"
down_revision: str | None = "e4a7c2d9b1f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("duration_seconds", sa.Integer(), "0"),
    ("stt_audio_seconds", sa.Float(), "0"),
    ("llm_input_tokens", sa.Integer(), "0"),
    ("llm_output_tokens", sa.Integer(), "0"),
    ("tts_characters", sa.Integer(), "0"),
)


def upgrade() -> None:
    with op.batch_alter_table("call_attempts") as batch_op:
        for name, kind, default in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("call_attempts") as batch_op:
        for name, _kind, _default in reversed(COLUMNS):
            batch_op.drop_column(name)
