"""`gyde chat` scripted through standard input, as a subprocess, offline."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
CLIENT = {
    "client_id": "file-client",
    "first_name": "Maria",
    "last_name": "Lopez",
    "date_of_birth": "1961-03-04",
    "current_plan": "Silver PPO",
    "coverage_gaps": ["dental"],
    "timezone": "America/Chicago",
    "broker_id": "b1",
    "broker_name": "Dana Whitfield",
    "has_spouse": True,
    "ssn": "123-45-6789",
    "medical_notes": "asthma",
}


def _run(
    args: list[str], lines: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYTHON if PYTHON.exists() else sys.executable), "-m", "cli.main", "chat", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def client_file(tmp_path: Path) -> Path:
    path = tmp_path / "client.json"
    path.write_text(json.dumps(CLIENT), encoding="utf-8")
    return path


def _summary(stdout: str) -> dict[str, Any]:
    lines = stdout.strip().splitlines()
    assert all(line.startswith("Emma: ") for line in lines[:-1]), lines
    summary: dict[str, Any] = json.loads(lines[-1])
    return summary


def test_scripted_booking_with_json_summary(client_file: Path) -> None:
    done = _run(
        ["--client-file", str(client_file), "--json"],
        [
            "yes",
            "Maria Lopez, March 4th 1961",
            "how much is dental?",
            "sure",
            "me and my wife",
            "the second one",
            "yes",
        ],
    )
    assert done.returncode == 0, done.stderr
    summary = _summary(done.stdout)
    assert summary["final_stage"] == "close" and summary["outcome"] == "scheduled"
    assert [t["name"] for t in summary["tool_calls"]] == [
        "get_product_pricing",
        "get_client_eligibility",
        "check_broker_availability",
        "schedule_appointment",
        "end_call",
    ]
    assert summary["blocked"] == [] and summary["prompt_version"] == "local"
    replies = done.stdout.splitlines()[:-1]
    assert len(replies) == 8  # the greeting and one reply per caller line
    assert "sixty-one dollars and seventy-five cents" in done.stdout
    assert "123-45-6789" not in done.stdout and "asthma" not in done.stdout


def test_opt_out_stops_reading_input(client_file: Path) -> None:
    done = _run(["--client-file", str(client_file), "--json"], ["Stop calling me.", "are you still there?"])
    summary = _summary(done.stdout)
    assert summary["outcome"] == "opted_out" and summary["final_stage"] == "close"
    assert [t["name"] for t in summary["tool_calls"]] == ["add_to_dnc", "end_call"]
    assert len(done.stdout.splitlines()) == 3


def test_end_of_input_hangs_up_as_dropped(client_file: Path) -> None:
    summary = _summary(_run(["--client-file", str(client_file), "--json"], ["yes"]).stdout)
    assert summary["outcome"] == "dropped" and summary["final_stage"] == "close"


def test_without_json_only_emma_lines_and_a_demo_client() -> None:
    done = _run([], ["What?"])
    assert done.returncode == 0
    assert done.stdout.splitlines()[0].startswith("Emma: Hi, this is Emma")
    assert all(line.startswith("Emma: ") for line in done.stdout.splitlines())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        (json.dumps({"first_name": "Maria"}), "invalid client record: last_name"),
        (json.dumps({**CLIENT, "timezone": "Mars/Olympus"}), "unknown time zone"),
    ],
)
def test_bad_client_files_get_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    done = _run(["--client-file", str(path)], [])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_missing_file_and_unknown_provider() -> None:
    done = _run(["--client-file", "/nonexistent/client.json"], [])
    assert done.returncode == 2 and "no such client file" in done.stderr
    done = _run(["--llm", "gpt9"], [])
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_openai_without_a_key_is_a_clear_error(client_file: Path) -> None:
    done = _run(["--client-file", str(client_file), "--llm", "openai"], [], env={"GYDE_OPENAI_API_KEY": ""})
    assert done.returncode == 2 and "GYDE_OPENAI_API_KEY" in done.stderr


def test_client_from_the_database(tmp_path: Path) -> None:
    from security.keyring import generate_key_spec

    spec = generate_key_spec("k1")
    url = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    asyncio.run(_seed(url, spec))
    env = {"GYDE_DATABASE_URL": url, "GYDE_ENCRYPTION_KEYS": spec}
    lines = ["yes", "Rosa Diaz, July 19th, 1958", "sure", "just me", "the first one", "yes"]
    done = _run(["--client", "c1", "--json"], lines, env=env)
    assert done.returncode == 0, done.stderr
    summary = _summary(done.stdout)
    assert summary["outcome"] == "scheduled", done.stdout
    assert "Gold HMO" in done.stdout  # the plan was presented after verification
    missing = _run(["--client", "nobody"], [], env=env)
    assert missing.returncode == 2 and "unknown client" in missing.stderr


async def _seed(url: str, spec: str) -> None:
    import db.models_privacy  # noqa: F401
    from db.models import Broker, Client
    from db.session import Database
    from security.field_crypto import configure_field_encryption, reset_field_encryption
    from security.keyring import KeyRing

    configure_field_encryption(KeyRing.parse(spec))
    db = Database(url)
    await db.create_all()
    async with db.session() as session:
        session.add(
            Broker(
                id="b1",
                name="Dana Whitfield",
                email="d@b.example",
                phone="+15550000000",
                timezone="America/New_York",
            )
        )
        await session.flush()
        row = Client(
            id="c1",
            broker_id="b1",
            first_name="Rosa",
            last_name="Diaz",
            phone="+15553334444",
            email="r@example.com",
            timezone="America/New_York",
            state="NY",
            date_of_birth=date(1958, 7, 19),
            current_plan="Gold HMO",
            coverage_gaps=["vision"],
            ssn="987-65-4321",
            medical_notes="none",
        )
        if hasattr(Client, "phone_hash"):
            from security.field_crypto import phone_hash

            row.phone_hash = phone_hash("+15553334444")
        session.add(row)
        await session.commit()
    await db.dispose()
    reset_field_encryption()
