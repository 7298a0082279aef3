"""encrypt the email outbox and CRM notes; codec browser sessions (random id, hash only)

Revision ID: e8a41f6c2d90
Revises: e4f1a9b2c6d8
Create Date: 2026-11-26 09:00:00

The outbox (`to_address`, `subject`, `body`: the client's address, name and appointment) and CRM
notes (`body`: outcome notes and the notes the agent writes during a call) become AES-256-GCM
ciphertext bound to their column, like the client columns (security/field_crypto.py). Nothing
queries them by value. Existing rows are encrypted in place with the key ring from
GYDE_ENCRYPTION_KEYS, so configure keys before upgrading; a re-run skips sealed values.

`codec_sessions` backs the Temporal UI codec's browser sign-in: the cookie holds a random session
id, this table only its SHA-256, the API key it was opened with and its expiry
(db/codec_sessions.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8a41f6c2d90"
down_revision: str | None = "e4f1a9b2c6d8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (encrypted columns, their plaintext types before this revision)
_COLUMNS: dict[str, dict[str, sa.types.TypeEngine[str]]] = {
    "outbox_emails": {"to_address": sa.String(length=200), "subject": sa.String(length=300), "body": sa.Text()},
    "crm_notes": {"body": sa.Text()},
}


def _is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith("v1:")


def _rewrite(bind: sa.Connection, table: str, transform: object) -> None:
    columns = list(_COLUMNS[table])
    rows = bind.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    for row in rows:
        values = dict(zip(columns, row[1:], strict=True))
        new = {c: transform(v, f"{table}.{c}") for c, v in values.items()}  # type: ignore[operator]
        if new != values:
            bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**new, "id": row[0]})


def upgrade() -> None:
    from security.field_crypto import encrypt_text

    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.alter_column(column, type_=sa.Text(), existing_nullable=False)
    bind = op.get_bind()
    for table in _COLUMNS:
        _rewrite(bind, table, lambda v, ctx: v if v is None or _is_sealed(v) else encrypt_text(str(v), ctx))

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
    from security.field_crypto import decrypt_text

    op.drop_index("ix_codec_sessions_expires_at", table_name="codec_sessions")
    op.drop_index("ix_codec_sessions_api_key_id", table_name="codec_sessions")
    op.drop_table("codec_sessions")

    bind = op.get_bind()
    for table in _COLUMNS:
        _rewrite(bind, table, lambda v, ctx: decrypt_text(v, ctx) if _is_sealed(v) else v)
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, plain_type in columns.items():
                batch_op.alter_column(column, type_=plain_type, existing_nullable=False)
