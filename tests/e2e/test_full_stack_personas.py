"""Every callee persona, end to end through the real processes: Temporal dev server, worker,
api (TwiML + signed webhooks), media server (Media Streams, local STT/TTS codec, Emma's local
policy) and the phone simulator. Afterwards the database and the outbox are checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cli.demo import FULL_STACK_PERSONAS, demo_full
from cli.stack import free_port
from settings import Settings

PARKED = "waiting_callback"  # asked to be called tomorrow: a durable timer, no outcome yet
EXPECTED = {
    "agreeable": "scheduled",
    "price-shopper": "scheduled",
    "confused": "scheduled",
    "talks-over-agent": "scheduled",
    "long-silence": "scheduled",
    "declines": "declined",
    "opt-out": "opted_out",
    "wants-broker": "transferred",
    "no-answer": "no_answer",
    "busy": "busy",
    "voicemail": "voicemail",
    "fails-verification": "verification_failed",
    "hangs-up-mid-call": "failed",
    "callback-later": PARKED,
    "wrong-person": PARKED,
}


@pytest.mark.timeout(600)
async def test_each_persona_reaches_its_outcome_through_the_whole_stack(tmp_path: Path) -> None:
    assert set(EXPECTED) == set(FULL_STACK_PERSONAS)
    settings = Settings(
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        api_port=free_port(),
        media_port=free_port(),
        task_queue=f"e2e-{free_port()}",
    )
    report = await demo_full(
        settings,
        clients=len(FULL_STACK_PERSONAS),
        seed_value=11,
        brokers=1,
        quiet=True,
        keep=False,
        time_scale=0.05,
        workdir=tmp_path,
        brokers_always_available=True,
        sim_port=free_port(),
        max_concurrent_calls=len(FULL_STACK_PERSONAS),
    )
    con = sqlite3.connect(tmp_path / "demo.db")
    rows = con.execute(
        "SELECT c.persona, n.outcome, (SELECT COUNT(*) FROM callbacks b WHERE b.client_id = c.id AND b.owner = 'ai') "
        "FROM clients c LEFT JOIN crm_notes n ON n.client_id = c.id"
    ).fetchall()
    got = {
        persona: (outcome if outcome else (PARKED if ai_callbacks else None))
        for persona, outcome, ai_callbacks in rows
    }
    assert got == EXPECTED, (tmp_path / "logs").as_posix()
    # side effects: one confirmation email per booking, one DNC entry for the opt-out
    assert con.execute("SELECT COUNT(*) FROM appointments").fetchone()[0] == 5
    assert (
        con.execute(
            "SELECT COUNT(*) FROM outbox_emails WHERE template = 'appointment_confirmation'"
        ).fetchone()[0]
        == 5
    )
    assert con.execute("SELECT COUNT(*) FROM dnc_entries").fetchone()[0] == 1
    assert report.outcomes.get("scheduled") == 5
    await assert_no_phi_in_logs(tmp_path)


async def assert_no_phi_in_logs(workdir: Path) -> None:
    """Every process's log of the whole run, scanned for each client's name, phone and birth date
    in the spellings a leak would take."""
    from sqlalchemy import select

    from db.models import Client
    from db.session import Database
    from security.history_scan import find_plaintext, phi_needles

    db = Database(f"sqlite+aiosqlite:///{workdir / 'demo.db'}")
    async with db.session() as session:
        clients = (await session.execute(select(Client))).scalars().all()
        needles = phi_needles(
            names=[n for c in clients for n in (c.first_name, c.last_name, f"{c.first_name} {c.last_name}")],
            phones=[c.phone for c in clients],
            dates=[c.date_of_birth for c in clients],
        )
    await db.dispose()
    logs = b"".join(path.read_bytes() for path in sorted((workdir / "logs").glob("*.log")))
    assert len(logs) > 10_000  # the processes really logged the run
    assert find_plaintext(logs, needles) == []
