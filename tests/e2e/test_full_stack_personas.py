"""Every callee persona, end to end through the real processes: Temporal dev server, worker,
api (TwiML + signed webhooks), media server (Media Streams, local STT/TTS codec, Emma's local
policy) and the phone simulator. Afterwards the database and the outbox are checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cli.demo import demo_full
from settings import Settings
from stack.personas import FULL_STACK_PERSONAS
from stack.supervisor import free_port

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
    await assert_no_phi_at_rest_or_in_logs(tmp_path)


async def assert_no_phi_at_rest_or_in_logs(workdir: Path) -> None:
    """Every table of the run's database and every process's log (temporal, sim, api, media,
    worker), scanned for each client's name, phone, birth date, e-mail and SSN in every spelling
    a leak would take; only encrypted columns may hold them, as ciphertext."""
    from tests.e2e.phi_scan import load, needles, scan_logs, scan_tables

    clients, broker_words = await load(workdir / "demo.db")
    assert len(clients) == len(FULL_STACK_PERSONAS)
    found_in = needles(clients)
    assert len(found_in.text) > 60 * len(clients)  # every spelling, not a handful
    # Control: the scan finds a leak in any spelling (so a clean result means something).
    control = workdir / "control"
    control.mkdir()
    first = clients[0]
    (control / "leak.log").write_text(
        f"x {first.first_name} y\n{first.phone[2:5]}.{first.phone[5:8]}.{first.phone[8:]}\n"
        f"{first.date_of_birth:%m/%d/%y} {first.email.replace('@', '%40')}\n"
    )
    assert len(scan_logs(control, found_in)[1]["leak.log"]) >= 4
    table_problems = scan_tables(workdir / "demo.db", found_in, broker_words)
    scanned, log_leaks = scan_logs(workdir / "logs", found_in)
    assert {p.name for p in (workdir / "logs").glob("*.log")} >= {
        "api.log",
        "media.log",
        "sim.log",
        "worker.log",
        "temporal.log",
    }
    assert scanned > 10_000  # the processes really logged the run
    assert table_problems == [], table_problems
    assert log_leaks == {}, _where(workdir, log_leaks)


def _where(workdir: Path, leaks: dict[str, list[str]]) -> str:
    from tests.e2e.phi_scan import context_of

    return "\n".join(
        f"{name}: {needle!r} ... {context_of((workdir / 'logs' / name).read_bytes(), needle)}"
        for name, found in leaks.items()
        for needle in found[:5]
    )
