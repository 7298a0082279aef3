"""encrypt client names and email, and the internal DNC list's phone numbers

Revision ID: c3d9e1f07a52
Revises: b7e4c2a91f30
Create Date: 2026-11-24 02:00:00

Nothing looks clients up by name or email, and every DNC lookup now uses the keyed `phone_hash`
(unique), so these columns become AES-256-GCM ciphertext like the other PHI columns
(security/field_crypto.py). The plaintext unique constraint on dnc_entries.phone goes: ciphertext
is randomised, and `phone_hash` already keeps one row per number. Existing rows are encrypted in
place with the key ring from GYDE_ENCRYPTION_KEYS, so configure keys before upgrading.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d9e1f07a52"
down_revision: str | None = "b7e4c2a91f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLIENT_COLUMNS = ("first_name", "last_name", "email")
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}  # names SQLite's unnamed constraint


def _is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith("v1:")


def _drop_dnc_phone_unique(bind: sa.Connection) -> None:
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("dnc_entries", naming_convention=_SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint("uq_dnc_entries_phone", type_="unique")
            batch_op.alter_column("phone", type_=sa.Text(), existing_nullable=False)
        return
    with op.batch_alter_table("dnc_entries") as batch_op:
        batch_op.drop_constraint("dnc_entries_phone_key", type_="unique")
        batch_op.alter_column("phone", type_=sa.Text(), existing_nullable=False)


def upgrade() -> None:
    from security.field_crypto import encrypt_text

    bind = op.get_bind()
    with op.batch_alter_table("clients") as batch_op:
        for column in _CLIENT_COLUMNS:
            batch_op.alter_column(column, type_=sa.Text(), existing_nullable=False)
    _drop_dnc_phone_unique(bind)

    for row in bind.execute(sa.text("SELECT id, first_name, last_name, email FROM clients")).all():
        values = dict(zip(_CLIENT_COLUMNS, row[1:], strict=True))
        if _is_sealed(values["first_name"]):
            continue  # already encrypted (re-run after a partial upgrade)
        params = {c: encrypt_text(str(v), f"clients.{c}") for c, v in values.items()}
        bind.execute(
            sa.text("UPDATE clients SET first_name = :first_name, last_name = :last_name, email = :email WHERE id = :id"),
            {**params, "id": row[0]},
        )
    for dnc_id, phone in bind.execute(sa.text("SELECT id, phone FROM dnc_entries")).all():
        if not _is_sealed(phone):
            bind.execute(
                sa.text("UPDATE dnc_entries SET phone = :p WHERE id = :id"),
                {"p": encrypt_text(phone, "dnc_entries.phone"), "id": dnc_id},
            )


def downgrade() -> None:
    from security.field_crypto import decrypt_text

    bind = op.get_bind()
    for row in bind.execute(sa.text("SELECT id, first_name, last_name, email FROM clients")).all():
        values = dict(zip(_CLIENT_COLUMNS, row[1:], strict=True))
        params = {c: decrypt_text(v, f"clients.{c}") if _is_sealed(v) else v for c, v in values.items()}
        bind.execute(
            sa.text("UPDATE clients SET first_name = :first_name, last_name = :last_name, email = :email WHERE id = :id"),
            {**params, "id": row[0]},
        )
    for dnc_id, phone in bind.execute(sa.text("SELECT id, phone FROM dnc_entries")).all():
        if _is_sealed(phone):
            bind.execute(
                sa.text("UPDATE dnc_entries SET phone = :p WHERE id = :id"),
                {"p": decrypt_text(phone, "dnc_entries.phone"), "id": dnc_id},
            )
    with op.batch_alter_table("dnc_entries") as batch_op:
        batch_op.alter_column("phone", type_=sa.String(length=32), existing_nullable=False)
        batch_op.create_unique_constraint("dnc_entries_phone_key", ["phone"])
    with op.batch_alter_table("clients") as batch_op:
        batch_op.alter_column("first_name", type_=sa.String(length=100), existing_nullable=False)
        batch_op.alter_column("last_name", type_=sa.String(length=100), existing_nullable=False)
        batch_op.alter_column("email", type_=sa.String(length=200), existing_nullable=False)
