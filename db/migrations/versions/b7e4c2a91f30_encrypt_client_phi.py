"""encrypt client PHI columns at rest; phone_hash lookup columns

Revision ID: b7e4c2a91f30
Revises: d52a5b24cd65
Create Date: 2026-11-24 00:15:00

Clients' phone, date_of_birth, ssn and medical_notes become AES-256-GCM ciphertext in TEXT
columns (security/field_crypto.py); clients and dnc_entries gain `phone_hash` (HMAC-SHA256 of
the E.164 number) for lookups. Existing plaintext rows are encrypted in place with the key ring
from GYDE_ENCRYPTION_KEYS (the development ring when unset), so configure keys before upgrading.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "b7e4c2a91f30"
down_revision: str | None = "d52a5b24cd65"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLIENT_TEXT = ("phone", "date_of_birth", "ssn", "medical_notes")


def _hash_or_none(phone: str | None) -> str | None:
    from domain.phone import InvalidPhoneNumber
    from security.field_crypto import phone_hash

    if not phone:
        return None
    try:
        return phone_hash(phone)
    except InvalidPhoneNumber:
        return None


def upgrade() -> None:
    from security.field_crypto import encrypt_text

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_clients_phone_hash", ["phone_hash"], unique=False)
        batch_op.alter_column("phone", type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column(
            "date_of_birth", type_=sa.Text(), existing_nullable=False, postgresql_using="date_of_birth::text"
        )
        batch_op.alter_column("ssn", type_=sa.Text(), existing_nullable=True)
        batch_op.alter_column("medical_notes", type_=sa.Text(), existing_nullable=True)
    with op.batch_alter_table("dnc_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("dnc_entries_phone_hash_key", ["phone_hash"])

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, phone, date_of_birth, ssn, medical_notes FROM clients")).all()
    for row in rows:
        values = dict(zip(_CLIENT_TEXT, row[1:], strict=True))
        if str(values["phone"]).startswith("v1:"):
            continue  # already encrypted (re-run after a partial upgrade)
        params: dict[str, object] = {"id": row[0], "phone_hash": _hash_or_none(values["phone"])}
        for column in _CLIENT_TEXT:
            value = values[column]
            if isinstance(value, date):
                value = value.isoformat()
            params[column] = None if value is None else encrypt_text(str(value), f"clients.{column}")
        bind.execute(
            sa.text(
                "UPDATE clients SET phone = :phone, date_of_birth = :date_of_birth, ssn = :ssn,"
                " medical_notes = :medical_notes, phone_hash = :phone_hash WHERE id = :id"
            ),
            params,
        )
    for dnc_id, phone in bind.execute(sa.text("SELECT id, phone FROM dnc_entries")).all():
        bind.execute(
            sa.text("UPDATE dnc_entries SET phone_hash = :h WHERE id = :id"),
            {"h": _hash_or_none(phone), "id": dnc_id},
        )


def downgrade() -> None:
    from security.field_crypto import decrypt_text

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, phone, date_of_birth, ssn, medical_notes FROM clients")).all()
    for row in rows:
        values = dict(zip(_CLIENT_TEXT, row[1:], strict=True))
        params: dict[str, object] = {"id": row[0]}
        for column in _CLIENT_TEXT:
            value = values[column]
            params[column] = (
                decrypt_text(value, f"clients.{column}")
                if isinstance(value, str) and value.startswith("v1:")
                else value
            )
        bind.execute(
            sa.text(
                "UPDATE clients SET phone = :phone, date_of_birth = :date_of_birth, ssn = :ssn,"
                " medical_notes = :medical_notes WHERE id = :id"
            ),
            params,
        )
    with op.batch_alter_table("dnc_entries", schema=None) as batch_op:
        batch_op.drop_constraint("dnc_entries_phone_hash_key", type_="unique")
        batch_op.drop_column("phone_hash")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        if bind.dialect.name != "sqlite":  # SQLite's CAST(... AS DATE) would turn "1948-03-02" into 1948
            batch_op.alter_column("ssn", type_=sa.String(length=64), existing_nullable=True)
            batch_op.alter_column(
                "date_of_birth",
                type_=sa.Date(),
                existing_nullable=False,
                postgresql_using="date_of_birth::date",
            )
            batch_op.alter_column("phone", type_=sa.String(length=32), existing_nullable=False)
        batch_op.drop_index("ix_clients_phone_hash")
        batch_op.drop_column("phone_hash")
