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


PHI_COLUMNS = ("first_name", "last_name", "phone", "email", "date_of_birth", "current_plan", "coverage_gaps")


def test_rejects_file_keeps_every_rejected_row_without_phi(tmp_path: Path) -> None:
    """The file says which line to fix and why; the PHI stays in the source file only."""
    from db.client_import import RejectedRow

    source = tmp_path / "clients.csv"
    bad = row(phone="12345", first_name="Margaret", last_name="Holloway", email="mh@example.com")
    out = write_rejects(source, [RejectedRow(3, "invalid phone number", bad)])
    text = out.read_text()
    lines = list(csv.DictReader(out.open()))
    assert lines[0]["line"] == "3" and lines[0]["reason"] == "invalid phone number"
    assert (lines[0]["id"], lines[0]["broker_id"], lines[0]["state"]) == ("c1", "b1", "NY")
    assert set(lines[0]) == {"line", "reason", "id", "broker_id", "state", "timezone"}
    for value in ("Margaret", "Holloway", "mh@example.com", "12345", "1970-04-02", "Silver PPO", "dental"):
        assert value not in text, value


def test_rejects_file_drops_identifying_columns_whose_values_do_not_fit(tmp_path: Path) -> None:
    """A shifted row puts a name where the state or time zone belongs: such values are not kept."""
    from db.client_import import RejectedRow

    shifted = row(state="Margaret", timezone="Holloway", id="Ann Smith 1948-03-02", broker_id="+12125550142")
    out = write_rejects(
        tmp_path / "c.csv", [RejectedRow(2, "state must be a US state or territory code", shifted)]
    )
    text = out.read_text()
    for value in ("Margaret", "Holloway", "Ann Smith", "1948", "2125550142"):
        assert value not in text, value
    assert list(csv.DictReader(out.open()))[0]["line"] == "2"


async def test_reasons_never_repeat_a_value(database: Database) -> None:
    """Reasons reach the terminal and the rejects file; a misaligned column could hold PHI."""
    await add_broker(database)
    rows = [
        row(id="r1", timezone="Margaret Holloway"),
        row(id="r2", broker_id="Holloway"),
        row(id="r3", coverage_gaps="+12125550142"),
        row(id="r4", state="Margaret"),
        row(id="r5", date_of_birth="March 2, 1948"),
        row(id="r6", phone="Margaret 2125550142"),
    ]
    async with database.session() as session:
        result = await import_clients(session, rows, HEADER)
    assert result.imported == []
    reasons = " | ".join(r.reason for r in result.rejected)
    assert len(result.rejected) == 6
    for value in ("Margaret", "Holloway", "2125550142", "1948"):
        assert value not in reasons, value


@pytest.mark.parametrize("state", ["ZZ", "New York", "NYC", "N", "XX", "AA", "1"])
async def test_a_state_that_is_not_a_us_state_or_territory_is_rejected(
    database: Database, state: str
) -> None:
    """Calling hours are per state: a wrong state would apply the wrong rules (before, "New York"
    was silently stored as "NE")."""
    await add_broker(database)
    async with database.session() as session:
        result = await import_clients(session, [row(state=state)], HEADER)
    assert result.imported == []
    [rejected] = result.rejected
    assert rejected.line == 2 and "state" in rejected.reason and "US state or territory" in rejected.reason


@pytest.mark.parametrize(
    ("state", "stored"), [("ny", "NY"), (" dc ", "DC"), ("PR", "PR"), ("gu", "GU"), ("VI", "VI")]
)
async def test_states_and_territories_are_accepted(database: Database, state: str, stored: str) -> None:
    await add_broker(database)
    async with database.session() as session:
        result = await import_clients(session, [row(state=state)], HEADER)
    assert result.imported == ["c1"], result.rejected
    async with database.session() as session:
        client = await session.get(Client, "c1")
    assert client is not None and client.state == stored


async def test_a_non_us_number_is_rejected_with_its_region(database: Database) -> None:
    await add_broker(database)
    async with database.session() as session:
        result = await import_clients(session, [row(phone="+44 20 7183 8750")], HEADER)
    [rejected] = result.rejected
    assert "region GB is not allowed" in rejected.reason and "7183" not in rejected.reason


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


@pytest.mark.parametrize(("regions", "code"), [(None, 1), ("US,GB", 0)])
def test_cli_import_honours_the_allowed_regions_setting(
    tmp_path: Path, regions: str | None, code: int
) -> None:
    import os

    source = tmp_path / "clients.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerow(row(phone="+44 20 7183 8750", broker_id="b1"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    subprocess.run(
        [sys.executable, "-m", "cli.main", "db", "upgrade", "--database-url", url], check=True, timeout=120
    )
    import sqlite3

    con = sqlite3.connect(tmp_path / "cli.db")
    con.execute(
        "INSERT INTO brokers (id, name, email, phone, timezone, work_start_hour, work_end_hour, work_days,"
        " slot_minutes) VALUES ('b1', 'B', 'b@x', '+18005550100', 'America/New_York', 9, 17, '0', 30)"
    )
    con.commit()
    con.close()
    env = {k: v for k, v in os.environ.items() if k != "GYDE_ALLOWED_PHONE_REGIONS"}
    if regions:
        env["GYDE_ALLOWED_PHONE_REGIONS"] = regions
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "clients", "import", str(source), "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == code, done.stderr
    if code:
        assert "line 2: invalid phone number (phone number region GB is not allowed" in done.stderr


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
