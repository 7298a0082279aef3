"""CSV import: good rows land, each bad row is reported with its line and reason, nothing is lost."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from db.client_import import CsvFormatError, import_clients, write_rejects
from db.models import Broker, Client
from db.repositories import audit
from db.session import Database

HEADER = [
    "id",
    "broker_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "timezone",
    "state",
    "date_of_birth",
    "current_plan",
    "coverage_gaps",
    "has_spouse",
]


def row(**overrides: str) -> dict[str, str]:
    base = dict(
        id="c1",
        broker_id="b1",
        first_name="Ana",
        last_name="Diaz",
        phone="(212) 555-0142",
        email="ana@example.com",
        timezone="America/New_York",
        state="ny",
        date_of_birth="1970-04-02",
        current_plan="Silver PPO",
        coverage_gaps="dental;vision",
        has_spouse="yes",
    )
    base.update(overrides)
    return base


async def add_broker(db: Database) -> None:
    async with db.session() as session:
        session.add(
            Broker(id="b1", name="B", email="b@x.example", phone="+18005550100", timezone="America/New_York")
        )
        await session.commit()


async def test_good_rows_are_normalised_and_bad_rows_reported(database: Database) -> None:
    await add_broker(database)
    rows = [
        row(),
        row(id="c2", phone="12345"),
        row(id="c3", date_of_birth="04/02/1970"),
        row(id="c4", timezone="Mars/Olympus"),
        row(id="c5", broker_id="nobody"),
        row(id="c6", coverage_gaps="dental;hearing"),
        row(id="c1"),
        row(id="c7", first_name=""),
    ]
    async with database.session() as session:
        result = await import_clients(session, rows, HEADER)
    assert result.imported == ["c1"]
    reasons = {r.line: r.reason for r in result.rejected}
    assert "invalid phone number" in reasons[3]
    assert "YYYY-MM-DD" in reasons[4]
    assert "unknown time zone" in reasons[5]
    assert "unknown broker" in reasons[6]
    assert "unknown coverage gap" in reasons[7]
    assert "duplicate client id" in reasons[8]
    assert "missing first_name" in reasons[9]
    async with database.session() as session:
        stored = await session.get(Client, "c1")
    assert stored is not None
    assert stored.phone == "+12125550142"
    assert stored.coverage_gaps == ["dental", "vision"] and stored.has_spouse and stored.state == "NY"
    async with database.session() as session:
        entries = await audit.list_entries(session)
    # one audited PHI write per imported client (none for rejected rows), field names only
    assert [(e.actor, e.action, e.entity_id) for e in entries] == [("cli:import", "write", "c1")]
    assert {"phone", "date_of_birth", "first_name"} <= set(entries[0].fields)
    assert "+12125550142" not in str(entries[0].fields) + entries[0].purpose


async def test_a_file_missing_columns_is_refused_whole(sqlite_db: Database) -> None:
    async with sqlite_db.session() as session:
        with pytest.raises(CsvFormatError, match="phone"):
            await import_clients(session, [row()], [h for h in HEADER if h != "phone"])


def test_rejects_file_keeps_every_rejected_row(tmp_path: Path) -> None:
    from db.client_import import RejectedRow

    source = tmp_path / "clients.csv"
    out = write_rejects(source, [RejectedRow(3, "invalid phone number", row(phone="12345"))])
    lines = list(csv.DictReader(out.open()))
    assert lines[0]["line"] == "3" and lines[0]["phone"] == "12345" and lines[0]["reason"]


def test_cli_import_exits_nonzero_and_writes_rejects(tmp_path: Path) -> None:
    source = tmp_path / "clients.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerow(row(broker_id="unknown-broker"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "clients", "import", str(source), "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "line 2: unknown broker" in done.stderr
    assert (tmp_path / "clients.rejects.csv").exists()


def test_cli_start_of_unknown_campaign_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    subprocess.run(
        [sys.executable, "-m", "cli.main", "db", "upgrade", "--database-url", url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "campaign", "start", "nope", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "unknown campaign 'nope'" in done.stderr
