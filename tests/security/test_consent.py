"""Promise: consent is a ledger (time, call, method); "stop calling me" becomes a permanent,
cross-campaign suppression in the same unit of work as the consent withdrawal; the national DNC
file is imported as keyed hashes; the gate reads all of it from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from compliance.db_inputs import gather_gate_inputs
from compliance.gate import FrequencyCaps, evaluate_dial
from db.models import CallAttempt, DncEntry
from db.models_privacy import ConsentKind, ConsentRecord
from db.repositories import audit, consent
from db.session import Database
from tests.security import factories as f

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


@pytest.fixture
async def seeded(database: Database) -> Database:
    async with database.session() as s:
        await f.seed(s)
    return database


async def test_ledger_keeps_history_and_latest_event_wins(seeded: Database) -> None:
    async with seeded.session() as s:
        assert (await consent.current_consent(s, "c1", ConsentKind.RECORDING)).granted is None
        await consent.record_consent(
            s,
            idempotency_key="k1",
            client_id="c1",
            kind=ConsentKind.RECORDING,
            granted=True,
            method="dtmf",
            recorded_by="system",
            at=NOW,
            call_sid="CA1",
        )
        again = await consent.record_consent(
            s,
            idempotency_key="k1",
            client_id="c1",
            kind=ConsentKind.RECORDING,
            granted=False,
            method="speech",
            recorded_by="system",
            at=NOW,
            call_sid="CA1",
        )
        assert again.granted is True  # retried activity: same row, not a second event
        await consent.record_consent(
            s,
            idempotency_key="k2",
            client_id="c1",
            kind=ConsentKind.RECORDING,
            granted=False,
            method="speech",
            recorded_by="system",
            at=NOW + timedelta(minutes=1),
            call_sid="CA2",
        )
        await s.commit()
        state = await consent.current_consent(s, "c1", ConsentKind.RECORDING)
        assert (state.granted, state.method, state.call_sid, state.at) == (
            False,
            "speech",
            "CA2",
            NOW + timedelta(minutes=1),
        )
        assert [r.granted for r in await consent.consent_history(s, "c1")] == [True, False]


async def test_bad_consent_input_is_rejected(seeded: Database) -> None:
    async with seeded.session() as s:
        with pytest.raises(ValueError, match="unknown consent kind"):
            await consent.record_consent(
                s,
                idempotency_key="x",
                client_id="c1",
                kind="telepathy",
                granted=True,
                method="x",
                recorded_by="x",
                at=NOW,
            )
        with pytest.raises(ValueError, match="timezone"):
            await consent.record_consent(
                s,
                idempotency_key="x",
                client_id="c1",
                kind=ConsentKind.MARKETING,
                granted=True,
                method="x",
                recorded_by="x",
                at=datetime(2026, 1, 1),
            )


async def test_opt_out_suppresses_across_campaigns_in_one_step(seeded: Database) -> None:
    async with seeded.session() as s:
        result = await consent.record_opt_out(
            s,
            idempotency_key="outreach:campA:c1/opt_out",
            client_id="c1",
            campaign_id="campA",
            call_sid="CA9",
            source="caller",
            at=NOW,
        )
        assert result == consent.OptOutResult(dnc_added=True, consent_recorded=True)
        await s.commit()
    async with seeded.session() as s:
        again = await consent.record_opt_out(
            s,
            idempotency_key="outreach:campA:c1/opt_out",
            client_id="c1",
            campaign_id="campA",
            call_sid="CA9",
            source="caller",
            at=NOW,
        )
        assert again == consent.OptOutResult(dnc_added=False, consent_recorded=False)
        reads = [e for e in await audit.list_entries(s) if e.actor == "system:opt_out"]
        assert [(e.action, e.entity_id, e.fields) for e in reads] == [("read", "c1", ["phone"])] * 2
        assert await consent.is_suppressed(s, phone="(555) 123-4567")
        assert not await consent.is_suppressed(s, phone="555-765-4321")
        # A different campaign, a later day: still blocked, permanently.
        inputs = await gather_gate_inputs(s, "c1", "campB", NOW + timedelta(days=30))
        decision = evaluate_dial(inputs)
        assert not decision.allowed and decision.permanent
        assert {"internal_dnc_clear", "consent_not_withdrawn"} <= set(decision.reasons)
        assert len((await s.execute(select(DncEntry))).scalars().all()) == 1


async def test_opt_out_rolls_back_as_one_unit(seeded: Database) -> None:
    async with seeded.session() as s:
        await consent.record_opt_out(
            s, idempotency_key="k", client_id="c1", campaign_id="c", call_sid=None, source="caller", at=NOW
        )
        await s.rollback()
    async with seeded.session() as s:
        assert not await consent.is_suppressed(s, client_id="c1")
        assert (await s.execute(select(ConsentRecord))).first() is None


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "dnc.txt"
    path.write_text(body)
    return path


async def test_national_dnc_import(seeded: Database, tmp_path: Path) -> None:
    body = "AreaCode,PhoneNumber\n555,1234567\n(555) 765-4321\n+1 555 765 4321\n\nnot-a-number\n5550001111\n"
    result = await consent.import_national_dnc(seeded, _write(tmp_path, body), list_name="ftc-2026-11")
    assert result == consent.DncImportResult(lines=6, added=3, already_listed=1, invalid=2)
    again = await consent.import_national_dnc(seeded, _write(tmp_path, "5551234567\n"))
    assert (again.added, again.already_listed) == (0, 1)
    async with seeded.session() as s:
        assert await consent.is_on_national_dnc(s, phone="+15551234567")
        assert not await consent.is_on_national_dnc(s, phone="+15559999999")
        dumped = str((await s.execute(text("SELECT * FROM national_dnc"))).all())
        assert "1234567" not in dumped  # only keyed hashes are kept
        decision = evaluate_dial(await gather_gate_inputs(s, "c1", "camp", NOW))
        assert decision.reasons == ("national_dnc_clear",)
        await consent.record_consent(
            s,
            idempotency_key="w",
            client_id="c1",
            kind=ConsentKind.MARKETING,
            granted=True,
            method="written",
            recorded_by="broker:b1",
            at=NOW - timedelta(days=1),
        )
        assert evaluate_dial(await gather_gate_inputs(s, "c1", "camp", NOW)).allowed


async def test_gate_inputs_count_attempts_across_campaigns(seeded: Database) -> None:
    async with seeded.session() as s:
        for i, (campaign, at) in enumerate(
            [
                ("a", NOW - timedelta(hours=2)),
                ("b", NOW - timedelta(hours=1)),
                ("a", NOW - timedelta(days=20)),
            ]
        ):
            s.add(
                CallAttempt(
                    idempotency_key=f"k{i}",
                    campaign_id=campaign,
                    client_id="c1",
                    attempt=1,
                    status="done",
                    created_at=at,
                )
            )
        await s.commit()
        inputs = await gather_gate_inputs(s, "c1", "a", NOW, caps=FrequencyCaps(per_day=2))
    assert inputs.caps.per_day == 2
    assert inputs.campaign_attempts == 2
    assert inputs.recent_attempts == (NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    assert (inputs.client_timezone, inputs.client_state) == ("America/New_York", "NY")
    assert evaluate_dial(inputs).reasons == ("daily_cap",)
