"""Promise: sensitive columns are ciphertext at rest, bound to their column, readable after key
rotation, and phones are found through a keyed hash rather than plaintext."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from db.models import Client, DncEntry
from db.session import Database
from domain.phone import InvalidPhoneNumber
from security.aead import DecryptionError
from security.field_crypto import (
    EncryptedComparisonError,
    EncryptedDate,
    EncryptedString,
    configure_field_encryption,
    decrypt_text,
    encrypt_text,
    keyed_hash,
    phone_hash,
)
from security.keyring import KeyRing, generate_key_spec
from tests.security import factories as f

_OPAQUE = re.compile(r"v1:k\d+:[A-Za-z0-9+/=]+|[0-9a-f]{64}")


def _table() -> Table:
    return Table(
        "vault",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("secret", EncryptedString("vault.secret"), nullable=True),
        Column("born", EncryptedDate("vault.born"), nullable=True),
    )


async def test_type_decorators_round_trip_and_store_ciphertext(tmp_path) -> None:  # type: ignore[no-untyped-def]
    vault = _table()
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'v.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(vault.metadata.create_all)
        await conn.execute(vault.insert().values(id=1, secret="123-45-6789", born=date(1950, 1, 2)))
        await conn.execute(vault.insert().values(id=2, secret=None, born=None))
        rows = (await conn.execute(select(vault).order_by(vault.c.id))).all()
        raw = (await conn.execute(text("SELECT secret, born FROM vault WHERE id = 1"))).one()
    await engine.dispose()
    assert rows[0].secret == "123-45-6789" and rows[0].born == date(1950, 1, 2)
    assert rows[1].secret is None and rows[1].born is None
    assert "123-45-6789" not in raw.secret and "1950" not in raw.born
    assert raw.secret.startswith("v1:k1:")


async def test_client_phi_columns_are_ciphertext_at_rest(database: Database) -> None:
    async with database.session() as s:
        await f.seed(s)
    async with database.session() as s:
        raw = (await s.execute(text("SELECT * FROM clients WHERE id = 'c1'"))).mappings().one()
        # A keyed hash is hex and ciphertext is base64: either may hold '1948' by chance, so they
        # are checked for their shape and the plaintext is looked for in every other column.
        opaque = {k: v for k, v in raw.items() if isinstance(v, str) and _OPAQUE.fullmatch(v)}
        assert {"phone", "ssn", "date_of_birth", "first_name", "email", "phone_hash"} <= set(opaque)
        dumped = " ".join(str(v) for k, v in raw.items() if k not in opaque)
        phi = (f.PHI_PHONE, "5551234567", f.PHI_SSN, f.PHI_NOTES, "1948-03-02", "1948")
        for value in (*phi, f.PHI_NAME, f.PHI_SURNAME, "margaret@example.com"):
            assert value not in dumped, value
        s.add(DncEntry(phone=f.PHI_PHONE, client_id="c1", source="test", created_at=datetime.now(UTC)))
        await s.commit()
        [dnc] = (await s.execute(text("SELECT phone FROM dnc_entries"))).scalars()
        assert "5551234567" not in dnc and dnc.startswith("v1:")
        loaded = await s.get(Client, "c1")
        assert loaded is not None
        assert (loaded.phone, loaded.ssn, loaded.date_of_birth) == (f.PHI_PHONE, f.PHI_SSN, f.PHI_DOB)
        assert (loaded.first_name, loaded.email) == (f.PHI_NAME, "margaret@example.com")
        assert loaded.phone_hash == phone_hash("(555) 123-4567")  # type: ignore[attr-defined]
        found = (
            await s.execute(select(Client.id).where(Client.phone_hash == phone_hash("555-123-4567")))
        ).all()  # type: ignore[attr-defined]
        assert [r[0] for r in found] == ["c1"]
        loaded.phone = "+1 555 000 1111"  # the hash follows the phone on update
        await s.commit()
        moved = (
            await s.execute(select(Client.id).where(Client.phone_hash == phone_hash("5550001111")))
        ).all()  # type: ignore[attr-defined]
        assert [r[0] for r in moved] == ["c1"]


def test_ciphertext_is_bound_to_its_column() -> None:
    stored = encrypt_text("123-45-6789", "clients.ssn")
    assert decrypt_text(stored, "clients.ssn") == "123-45-6789"
    with pytest.raises(DecryptionError):
        decrypt_text(stored, "clients.medical_notes")


def test_tampered_field_is_rejected() -> None:
    stored = encrypt_text("hello", "c")
    prefix, kid, body = stored.split(":")
    import base64

    raw = bytearray(base64.b64decode(body))
    raw[20] ^= 0xFF
    with pytest.raises(DecryptionError):
        decrypt_text(f"{prefix}:{kid}:{base64.b64encode(bytes(raw)).decode()}", "c")


def test_plaintext_left_in_an_encrypted_column_is_an_error() -> None:
    with pytest.raises(DecryptionError, match="plaintext"):
        decrypt_text("+15551234567", "clients.phone")


def test_fields_written_before_rotation_still_decrypt() -> None:
    old = generate_key_spec("old")
    configure_field_encryption(KeyRing.parse(old))
    stored = encrypt_text("secret", "ctx")
    configure_field_encryption(KeyRing.parse(generate_key_spec("new") + "," + old))
    assert decrypt_text(stored, "ctx") == "secret"
    assert encrypt_text("secret", "ctx").startswith("v1:new:")


def test_sql_comparison_on_encrypted_column_is_refused() -> None:
    with pytest.raises(EncryptedComparisonError, match="phone_hash"):
        select(Client).where(Client.phone == "+15551234567")
    select(Client).where(Client.ssn.is_(None))  # null checks stay possible


def test_phone_hash_normalises_and_is_keyed() -> None:
    assert phone_hash("+1 (555) 123-4567") == phone_hash("5551234567") == phone_hash("555.123.4567")
    assert phone_hash("5551234567") != phone_hash("5551234568")
    before = phone_hash("5551234567")
    configure_field_encryption(KeyRing.parse(generate_key_spec("other")))
    assert phone_hash("5551234567") != before  # without the secret the hash cannot be recomputed
    assert len(keyed_hash("x")) == 64


def test_invalid_phone_gets_clear_error() -> None:
    with pytest.raises(InvalidPhoneNumber):
        phone_hash("not a number")
