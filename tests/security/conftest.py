"""Shared fixtures: fresh key rings, and a fresh database per test (SQLite temp file, plus
PostgreSQL on a unique schema when GYDE_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

import db.models_privacy  # noqa: F401  (registers the privacy tables on Base.metadata)
from db.session import Database
from security.field_crypto import configure_field_encryption, reset_field_encryption
from security.keyring import KeyRing, generate_key_spec

_PG_URL = os.environ.get("GYDE_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if _PG_URL else ["sqlite"]


@pytest.fixture
def keyring() -> KeyRing:
    return KeyRing.parse(generate_key_spec("k1"))


@pytest.fixture(autouse=True)
def field_keys(keyring: KeyRing) -> Iterator[KeyRing]:
    """Every test gets its own process-wide field key ring, removed afterwards."""
    configure_field_encryption(keyring)
    yield keyring
    reset_field_encryption()


@pytest.fixture(autouse=True)
def no_leftover_redaction() -> Iterator[None]:
    """`gyde` commands run in-process (cli.main.main) install log redaction for the process;
    take it out again so each test starts as it found the logging module."""
    from security.redaction import is_installed, uninstall_redaction

    was = is_installed()
    yield
    if is_installed() and not was:
        uninstall_redaction()


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await db.create_all()
        yield db
        await db.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(_PG_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    db = Database(_PG_URL, search_path=schema)  # raw SQL in tests lands in the schema too
    await db.create_all()
    yield db
    async with db.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await db.dispose()
