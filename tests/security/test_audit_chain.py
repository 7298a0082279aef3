"""Promise: the audit log is a hash chain; editing, deleting or reordering an entry is detected,
and `gyde audit verify` exits non-zero when the chain is broken."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cli.audit import run_verify
from db.repositories import audit
from db.session import Database


async def _fill(database: Database, n: int = 5) -> None:
    async with database.session() as s:
        for i in range(n):
            await audit.append(
                s, audit.AuditRecord("u1", "broker", "read", "client", f"c{i}", ("phone",), "test")
            )
        await s.commit()


async def test_intact_chain_verifies(database: Database) -> None:
    await _fill(database)
    async with database.session() as s:
        result = await audit.verify_chain(s)
        rows = await audit.list_entries(s)
    assert result.ok and result.entries == 5
    assert result.head == rows[-1].hash
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))


async def test_empty_chain_verifies(database: Database) -> None:
    async with database.session() as s:
        assert (await audit.verify_chain(s)).ok


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_log SET purpose = 'nothing to see' WHERE id = 3",
        "UPDATE audit_log SET fields = '[\"ssn\"]' WHERE id = 3",
        "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3",
        "DELETE FROM audit_log WHERE id = 3",
    ],
)
async def test_tampering_is_detected(database: Database, tamper: str) -> None:
    await _fill(database)
    async with database.session() as s:
        await s.execute(text(tamper))
        await s.commit()
    async with database.session() as s:
        result = await audit.verify_chain(s)
    assert not result.ok
    assert result.first_bad_id in (3, 4)


async def test_rewriting_one_entry_with_a_fresh_hash_still_breaks_the_next_link(database: Database) -> None:
    await _fill(database)
    async with database.session() as s:
        entry = (await audit.list_entries(s, after_id=1, limit=1))[0]
        entry.purpose = "edited"
        entry.hash = audit.entry_hash(entry)
        await s.commit()
    async with database.session() as s:
        result = await audit.verify_chain(s)
    assert not result.ok and result.first_bad_id == 3


async def test_chain_cannot_fork(database: Database) -> None:
    await _fill(database, 2)
    async with database.session() as s:
        head = (await audit.list_entries(s))[-1]
        with pytest.raises(IntegrityError):
            await s.execute(
                text(
                    "INSERT INTO audit_log (at, actor, role, action, entity, entity_id, fields, purpose,"
                    " prev_hash, hash) VALUES (:at, 'x', 'x', 'x', 'x', 'x', '[]', 'x', :prev, :h)"
                ),
                {"at": head.at, "prev": head.prev_hash, "h": "f" * 64},
            )


async def test_cli_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    database = Database(url)
    await database.create_all()
    await _fill(database, 3)
    async with database.session() as s:
        head = (await audit.verify_chain(s)).head
    assert await run_verify(url, expect_head=None) == 0
    assert await run_verify(url, expect_head=head) == 0
    assert await run_verify(url, expect_head="0" * 64) == 1  # truncated tail / wrong anchor
    async with database.session() as s:
        await s.execute(text("UPDATE audit_log SET role = 'auditor' WHERE id = 2"))
        await s.commit()
    await database.dispose()
    assert await run_verify(url, expect_head=None) == 1
    assert "BROKEN" in capsys.readouterr().out


async def test_concurrent_appenders_never_fork_the_chain(database: Database) -> None:
    """Appenders are serialised (PostgreSQL: advisory lock; SQLite: its write lock, taken by
    inserting first), so every concurrent writer commits and the chain verifies."""

    async def writer(i: int) -> None:
        async with database.session() as s:
            await audit.append(s, audit.AuditRecord("w", "system", "read", "client", f"c{i}", (), "race"))
            await asyncio.sleep(0.01)
            await s.commit()

    outcomes = await asyncio.gather(*(writer(i) for i in range(10)), return_exceptions=True)
    committed = sum(1 for o in outcomes if o is None)
    async with database.session() as s:
        result = await audit.verify_chain(s)
    assert [o for o in outcomes if o is not None] == []
    assert result.ok and result.entries == committed == 10
