"""dial-attempt lease and dial start time; appointments' outside-calendar reference

Revision ID: e4f1a9b2c6d8
Revises: c3d9e1f07a52
Create Date: 2026-12-01 10:00:00

Executions of one attempt's place_call are serialised by a lease on the attempt row
(`lease_owner`, `lease_until`), and a retry looks for the carrier call an earlier execution
made since `dial_started_at` (wall clock) before it dials again (db/repositories/attempts.py).
Every booking now has our own appointment row, whatever the calendar; `external_ref` keeps the
booking's id at an outside calendar (Calendly's invitee URI).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4f1a9b2c6d8"
down_revision: str | None = "c3d9e1f07a52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_attempts") as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dial_started_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_column("external_ref")
    with op.batch_alter_table("call_attempts") as batch_op:
        batch_op.drop_column("dial_started_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
