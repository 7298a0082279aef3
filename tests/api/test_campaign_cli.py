"""Promise: `gyde campaign ...` and `gyde broker callbacks` never end in a traceback for what a
user can cause - a database that is not migrated, Temporal not running, an unknown campaign or
broker, a bad file - but print one clear line on stderr and exit non-zero; `campaign start
--file` checks every row first (FILE:LINE: reason) and starts nothing on a bad file unless
--skip-invalid; and against a real campaign workflow, status, throttle, pause, resume and cancel
work, with --json for scripts."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from cli.main import main
from db.models import Campaign, Client
from db.session import Database
from tests.api.csv_rows import GOOD, HEADER
from tests.security import factories as f
from tests.workflows.harness import running_world
from tests.workflows.test_campaign import SAFETY_NET, GatedPhone, scripts, until

CLOSED_PORT = "127.0.0.1:1"


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """SQLite only: the CLI opens the database by its URL, and a PostgreSQL test schema is a
    search_path that no URL carries."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    await db.create_all()
    yield db
    await db.dispose()


def write_csv(path: Path, *rows: list[str]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def one_line_failure(capsys: pytest.CaptureFixture[str], code: int) -> str:
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines and lines[-1].startswith("gyde: "), err
    return err


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


async def _seeded(database: Database) -> str:
    async with database.session() as s:
        await f.seed(s)
    return _url(database)


async def _count(database: Database, what: Any) -> int:
    async with database.session() as s:
        return int((await s.execute(select(func.count()).select_from(what))).scalar_one())


def test_an_unmigrated_database_is_one_line_for_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    for argv in (
        ["campaign", "list", "--database-url", url],
        ["campaign", "status", "c", "--database-url", url],
        ["campaign", "pause", "c", "--database-url", url],
        ["broker", "callbacks", "b1", "--database-url", url],
        ["audit", "verify", "--database-url", url],
    ):
        err = one_line_failure(capsys, main(argv))
        assert "not migrated" in err and "gyde db upgrade" in err, argv


async def test_unknown_campaign_and_broker_are_named(database: Database, capsys: pytest.CaptureFixture[str]):
    url = await _seeded(database)
    for argv in (
        ["campaign", "status", "nope", "--database-url", url],
        ["campaign", "cancel", "nope", "--database-url", url],
        ["campaign", "throttle", "nope", "--max-concurrent", "2", "--database-url", url],
        ["campaign", "start", "nope", "--database-url", url],
    ):
        err = await asyncio.to_thread(lambda a=argv: one_line_failure(capsys, main(a)))
        assert "unknown campaign 'nope'" in err, argv
    err = await asyncio.to_thread(
        lambda: one_line_failure(capsys, main(["broker", "callbacks", "b9", "--database-url", url]))
    )
    assert "unknown broker 'b9'" in err


async def test_a_bad_file_is_reported_row_by_row_and_starts_nothing(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    url = await _seeded(database)
    bad = [*GOOD]
    bad[0], bad[7] = "n2", "ZZ"
    path = write_csv(tmp_path / "clients.csv", GOOD, bad)
    argv = [
        "campaign",
        "start",
        "camp",
        "--file",
        str(path),
        "--database-url",
        url,
        "--temporal-address",
        CLOSED_PORT,
    ]
    err = await asyncio.to_thread(lambda: one_line_failure(capsys, main(argv)))
    assert f"{path}:3: state must be a US state" in err and "nothing was imported or started" in err
    assert "Ana" not in err and "Diaz" not in err
    assert await _count(database, Client) == 2 and await _count(database, Campaign) == 0
    # With --skip-invalid the file is fine, but Temporal is not running: still nothing written.
    err = await asyncio.to_thread(lambda: one_line_failure(capsys, main([*argv, "--skip-invalid"])))
    assert "Temporal is not reachable" in err and "gyde dev" in err
    assert await _count(database, Client) == 2 and await _count(database, Campaign) == 0
    missing = await asyncio.to_thread(
        lambda: one_line_failure(capsys, main(["campaign", "start", "c", "--file", str(tmp_path / "no.csv")]))
    )
    assert "no such file" in missing
    no_columns = tmp_path / "cols.csv"
    no_columns.write_text("id,name\n1,x\n")
    cols = await asyncio.to_thread(
        lambda: one_line_failure(
            capsys, main(["campaign", "start", "c", "--file", str(no_columns), "--database-url", url])
        )
    )
    assert "missing required column" in cols


async def test_status_of_a_started_campaign_while_temporal_is_down(
    database: Database, capsys: pytest.CaptureFixture[str]
):
    url = await _seeded(database)
    async with database.session() as s:
        from db.repositories.campaigns import define_campaign, set_status

        await define_campaign(s, "live", "Live", ["c1"], {})
        await set_status(s, "live", "running")
    for verb in ("status", "pause"):
        argv = ["campaign", verb, "live", "--database-url", url, "--temporal-address", CLOSED_PORT]
        err = await asyncio.to_thread(lambda a=argv: one_line_failure(capsys, main(a)))
        assert "Temporal is not reachable at 127.0.0.1:1" in err, verb


def test_skip_invalid_needs_a_file_and_throttle_needs_a_change(capsys: pytest.CaptureFixture[str]):
    one_line_failure(capsys, main(["campaign", "start", "c", "--skip-invalid"]))
    err = one_line_failure(capsys, main(["campaign", "throttle", "c"]))
    assert "nothing to change" in err


async def test_steering_a_running_campaign_from_the_cli(
    time_env: WorkflowEnvironment, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    address = time_env.client.service_client.config.target_host
    async with running_world(
        time_env.client, database, scripts({}), clients=2, phone_type=GatedPhone
    ) as world:
        phone = world.phone
        assert isinstance(phone, GatedPhone)
        flags = [
            "--database-url",
            _url(database),
            "--temporal-address",
            address,
            "--task-queue",
            world.task_queue,
        ]

        def gyde(*argv: str) -> tuple[int, str]:
            code = main([*argv, *flags] if argv[0] == "campaign" and argv[1] != "list" else list(argv))
            return code, capsys.readouterr().out

        code, out = await asyncio.to_thread(
            gyde,
            "campaign",
            "start",
            "camp-1",
            "--max-concurrent",
            "1",
            "--dials-per-minute",
            "600",
            "--window",
            "0-24",
            "--json",
        )
        assert code == 0 and json.loads(out)["workflow_id"] == "campaign:camp-1"
        await until(lambda: len(phone.dialed) == 1)
        code, out = await asyncio.to_thread(gyde, "campaign", "status", "camp-1", "--json")
        status = json.loads(out)
        assert (status["state"], status["in_flight"], status["by_stage"]["in_call"]) == ("running", 1, 1)
        code, out = await asyncio.to_thread(
            gyde, "campaign", "throttle", "camp-1", "--max-concurrent", "2", "--json"
        )
        assert code == 0 and json.loads(out)["max_concurrent_calls"] == 2
        await asyncio.to_thread(gyde, "campaign", "pause", "camp-1")
        code, out = await asyncio.to_thread(gyde, "campaign", "status", "camp-1")
        assert "PAUSED" in out and "by stage" in out and "in a call" in out
        code, out = await asyncio.to_thread(gyde, "campaign", "resume", "camp-1", "--json")
        assert json.loads(out) == {"campaign_id": "camp-1", "signalled": "resume"}
        again = await asyncio.to_thread(lambda: main(["campaign", "start", "camp-1", *flags]))
        assert again == 2 and "already started" in capsys.readouterr().err
        phone.gate.set()
        await asyncio.wait_for(time_env.client.get_workflow_handle("campaign:camp-1").result(), SAFETY_NET)
        code, out = await asyncio.to_thread(gyde, "campaign", "status", "camp-1", "--json")
        assert json.loads(out)["by_outcome"] == {"declined": 2}
        code, out = await asyncio.to_thread(
            gyde, "campaign", "list", "--json", "--database-url", _url(database)
        )
        assert [(c["campaign_id"], c["clients"]) for c in json.loads(out)] == [("camp-1", 2)]
