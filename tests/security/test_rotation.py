"""Promise: after re-encryption an old key can be removed from the ring without losing data."""

from __future__ import annotations

from sqlalchemy import text

from db.models import Client
from db.rotation import reencrypt_all
from db.session import Database
from security.field_crypto import configure_field_encryption
from security.keyring import KeyRing, generate_key_spec
from tests.security import factories as f


async def test_reencrypt_lets_an_old_key_retire(database: Database) -> None:
    old, new = generate_key_spec("old"), generate_key_spec("new")
    lookup = generate_key_spec("lookup").split(":")[1]  # lookup hashes never rotate with data keys
    configure_field_encryption(KeyRing.parse(old, lookup_key=lookup))
    async with database.session() as s:
        await f.seed(s)
    configure_field_encryption(KeyRing.parse(new + "," + old, lookup_key=lookup))
    result = await reencrypt_all(database, batch=1)
    assert result.tables["clients"] == 2
    async with database.session() as s:
        rows = (await s.execute(text("SELECT phone, ssn, date_of_birth, medical_notes FROM clients"))).all()
        raw = " ".join(str(v) for row in rows for v in row)
        assert "v1:old:" not in raw and "v1:new:" in raw
    configure_field_encryption(KeyRing.parse(new, lookup_key=lookup))  # old key gone
    async with database.session() as s:
        client = await s.get(Client, "c1")
        assert client is not None and (client.ssn, client.date_of_birth) == (f.PHI_SSN, f.PHI_DOB)
