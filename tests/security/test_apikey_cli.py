"""Promise: people get API keys from `gyde apikey`: the token is shown once and only its hash is
stored, keys can be listed (never their tokens) and revoked by id, issuing and revoking are
audited, and no key can carry the `system` or `ai_agent` role."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.main import main
from db.api_keys import authenticate, hash_api_key
from db.models import AuditEntry
from db.models_privacy import ApiKey
from db.session import Database
from domain.enums import Role
from security.roles import Actor


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"

    async def create() -> None:
        database = Database(url)
        await database.create_all()
        await database.dispose()

    asyncio.run(create())
    return url


def _query(url: str, fn):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        database = Database(url)
        try:
            async with database.session() as session:
                return await fn(session)
        finally:
            await database.dispose()

    return asyncio.run(go())


def test_create_list_revoke_round_trip(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["apikey", "--database-url", db_url, "create", "--actor", "auditor:jane", "--role", "auditor"])
        == 0
    )
    token = capsys.readouterr().out.splitlines()[0]
    assert token.startswith("gyde_")
    assert _query(db_url, lambda s: authenticate(s, token)) == Actor("auditor:jane", Role.AUDITOR)
    stored = _query(db_url, lambda s: _all(s, ApiKey))
    assert [k.key_hash for k in stored] == [hash_api_key(token)]

    assert main(["apikey", "--database-url", db_url, "list"]) == 0
    listing = capsys.readouterr().out
    assert "auditor:jane" in listing and "active" in listing and token not in listing

    key_id = str(stored[0].id)
    assert main(["apikey", "--database-url", db_url, "revoke", key_id]) == 0
    assert _query(db_url, lambda s: authenticate(s, token)) is None
    assert main(["apikey", "--database-url", db_url, "revoke", key_id]) == 1  # already revoked
    entries = _query(db_url, lambda s: _all(s, AuditEntry))
    assert [(e.action, e.entity, e.entity_id) for e in entries] == [
        ("create_key", "api_key", key_id),
        ("revoke_key", "api_key", key_id),
    ]
    assert all(token not in e.purpose for e in entries)


def test_broker_key_needs_its_broker(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apikey", "--database-url", db_url, "create", "--actor", "b:1", "--role", "broker"]) == 2
    assert "broker_id" in capsys.readouterr().out
    assert (
        main(
            [
                "apikey",
                "--database-url",
                db_url,
                "create",
                "--actor",
                "b:1",
                "--role",
                "broker",
                "--broker-id",
                "brk-1",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.splitlines()[0]
    assert _query(db_url, lambda s: authenticate(s, token)) == Actor("b:1", Role.BROKER, "brk-1")


def test_system_role_cannot_be_issued(db_url: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["apikey", "--database-url", db_url, "create", "--actor", "x", "--role", "system"])
    assert exc.value.code == 2
    assert _query(db_url, lambda s: _all(s, ApiKey)) == []


def test_ai_agent_role_cannot_be_issued(db_url: str) -> None:
    """The agent reads through db.access inside the media server; a key for it would hand its
    view of every client to whoever holds the key."""
    with pytest.raises(SystemExit) as exc:
        main(["apikey", "--database-url", db_url, "create", "--actor", "x", "--role", "ai_agent"])
    assert exc.value.code == 2
    assert _query(db_url, lambda s: _all(s, ApiKey)) == []


@pytest.mark.parametrize("role", [Role.SYSTEM, Role.AI_AGENT])
async def test_no_code_path_issues_or_honours_an_internal_role_key(sqlite_db: Database, role: Role) -> None:
    from cli.apikey import create
    from db.api_keys import create_api_key

    async with sqlite_db.session() as session:
        with pytest.raises(ValueError, match=f"{role.value.replace('_', ' ')}|{role.value}"):
            await create_api_key(session, "someone", role)
        token = f"gyde_planted_{role.value}"
        session.add(
            ApiKey(key_hash=hash_api_key(token), actor="x", role=role.value, created_at=datetime.now(UTC))
        )
        await session.flush()
        assert await authenticate(session, token) is None
    with pytest.raises(ValueError):
        await create(sqlite_db, "someone", role, None)


async def _all(session, model):  # type: ignore[no-untyped-def]
    return list((await session.execute(select(model))).scalars())
