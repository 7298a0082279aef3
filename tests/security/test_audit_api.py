"""Promise: auditors read the audit log through the api - keyset pages with filters, and the
hash-chain check, which reports a tampered log as broken - and every such read is itself
audited. Other roles are refused, and the refusal is audited too."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from db.models import AuditEntry
from db.repositories import audit
from db.session import Database
from domain.enums import Role
from security.keyring import KeyRing
from tests.security.test_api_authorisation import PERSON_ROLES, Api, build_api

SEEDED = 7


@pytest.fixture
async def api(database: Database, keyring: KeyRing) -> Api:
    """The app with SEEDED entries at the start of the log (seq 1..SEEDED)."""
    built = await build_api(database, keyring)
    async with database.session() as s:
        for i in range(SEEDED):
            actor = "broker-1" if i % 2 else "campaign_manager-1"
            await audit.append(
                s, audit.AuditRecord(actor, "broker", "read", "client", f"c{i}", ("phone",), "t")
            )
        await s.commit()
    return built


async def _log(database: Database) -> list[AuditEntry]:
    async with database.session() as s:
        return await audit.list_entries(s, limit=1000)


async def _get(api: Api, path: str, **params: Any) -> Any:
    response = await api.http.get(path, params=params, headers=api.auth(Role.AUDITOR))
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_auditor_pages_through_the_whole_log_in_chain_order(api: Api) -> None:
    seeded = await _log(api.database)
    collected: list[dict[str, Any]] = []
    after: int | None = 0
    pages = 0
    while after is not None:
        page = await _get(api, "/audit/entries", after_seq=after, limit=3)
        collected += page["entries"]
        after = page["next_after_seq"]
        pages += 1
        assert pages < 10, "paging did not terminate"
    assert [e["seq"] for e in collected[:SEEDED]] == [e.id for e in seeded]
    assert [(e["actor"], e["entity_id"], e["fields"]) for e in collected[:SEEDED]] == [
        (e.actor, e.entity_id, list(e.fields)) for e in seeded
    ]
    # The rest are this auditor's own reads (appended after each page), all linked into one chain.
    assert {(e["actor"], e["action"], e["entity"]) for e in collected[SEEDED:]} == {
        ("auditor-1", "read", "audit_log")
    }
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(collected, collected[1:], strict=False))
    seqs = [e["seq"] for e in collected]
    assert seqs == sorted(set(seqs))


async def test_a_full_page_points_to_the_next_and_a_short_one_ends(api: Api) -> None:
    full = await _get(api, "/audit/entries", limit=SEEDED)
    assert len(full["entries"]) == SEEDED and full["next_after_seq"] == full["entries"][-1]["seq"]
    short = await _get(api, "/audit/entries", limit=SEEDED + 50)
    assert short["next_after_seq"] is None


async def test_filters_narrow_the_page(api: Api) -> None:
    by_actor = await _get(api, "/audit/entries", actor="broker-1")
    assert [e["entity_id"] for e in by_actor["entries"]] == ["c1", "c3", "c5"]
    by_record = await _get(api, "/audit/entries", entity="client", entity_id="c4")
    assert [e["actor"] for e in by_record["entries"]] == ["campaign_manager-1"]
    reads_of_the_log = await _get(api, "/audit/entries", entity="audit_log", action="read")
    assert [e["entity_id"] for e in reads_of_the_log["entries"]] == ["entries", "entries"]


@pytest.mark.parametrize("params", [{"limit": 1001}, {"limit": 0}, {"after_seq": -1}])
async def test_page_bounds_are_enforced(api: Api, params: dict[str, int]) -> None:
    response = await api.http.get("/audit/entries", params=params, headers=api.auth(Role.AUDITOR))
    assert response.status_code == 422


async def test_reading_the_log_is_itself_audited(api: Api) -> None:
    await _get(api, "/audit/entries", after_seq=2, limit=2, actor="broker-1")
    await _get(api, "/audit/verify")
    *_, listed, verified = await _log(api.database)
    assert (listed.actor, listed.role, listed.action, listed.entity, listed.entity_id) == (
        "auditor-1",
        "auditor",
        "read",
        "audit_log",
        "entries",
    )
    assert "after_seq=2" in listed.purpose and "actor=broker-1" in listed.purpose
    assert (verified.actor, verified.action, verified.entity, verified.entity_id) == (
        "auditor-1",
        "read",
        "audit_log",
        "verify",
    )


async def test_verify_reports_an_intact_chain(api: Api) -> None:
    result = await _get(api, "/audit/verify")
    seeded = await _log(api.database)
    assert result["ok"] is True and result["first_bad_seq"] is None
    assert result["entries"] == SEEDED and result["head"] == seeded[SEEDED - 1].hash


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("UPDATE audit_log SET purpose = 'nothing to see' WHERE id = :id", "hash"),
        ("UPDATE audit_log SET actor = 'someone-else' WHERE id = :id", "hash"),
        ("DELETE FROM audit_log WHERE id = :id", "prev_hash"),
    ],
)
async def test_a_tampered_log_is_reported_broken(api: Api, tamper: str, problem: str) -> None:
    target = (await _log(api.database))[3].id
    async with api.database.session() as s:
        await s.execute(text(tamper), {"id": target})
        await s.commit()
    result = await _get(api, "/audit/verify")
    assert result["ok"] is False and problem in result["problem"]
    first_bad = target if "UPDATE" in tamper else target + 1
    assert result["first_bad_seq"] == first_bad


@pytest.mark.parametrize("role", [r for r in PERSON_ROLES if r is not Role.AUDITOR])
@pytest.mark.parametrize("path", ["/audit/entries", "/audit/verify"])
async def test_other_roles_are_refused_and_the_refusal_is_audited(api: Api, role: Role, path: str) -> None:
    response = await api.http.get(path, headers=api.auth(role))
    assert response.status_code == 403
    assert role.value in response.json()["detail"] and "audit_log" in response.json()["detail"]
    last = (await _log(api.database))[-1]
    assert (last.actor, last.role, last.action, last.entity, last.entity_id) == (
        f"{role.value}-1",
        role.value,
        "deny_read",
        "audit_log",
        path,
    )
    assert len(await _log(api.database)) == SEEDED + 1  # nothing was read, so no "read" entry
