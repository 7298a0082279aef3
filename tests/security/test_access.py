"""Promise: field-level rules per role, enforced in the repository layer; the agent can never
receive an SSN; brokers see only their own clients; every grant and denial is audited."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from db.access import AgentClientView, read_client, read_client_for_agent, verify_client_dob, write_client
from db.repositories import audit
from db.repositories.errors import NotFound
from db.session import Database
from domain.enums import Role
from security.roles import NEVER_FOR_AGENT, RULES, AccessDenied, AccessPolicy, Actor
from tests.security import factories as f

AGENT = Actor("agent:call-1", Role.AI_AGENT)
BROKER1 = Actor("broker:b1", Role.BROKER, broker_id="b1")
MANAGER = Actor("mgr:1", Role.CAMPAIGN_MANAGER)
AUDITOR = Actor("aud:1", Role.AUDITOR)


@pytest.fixture
async def seeded(database: Database) -> Database:
    async with database.session() as s:
        await f.seed(s)
    return database


async def _log(database: Database) -> list[tuple[str, str, str, list[str]]]:
    async with database.session() as s:
        return [(e.actor, e.action, e.entity_id, list(e.fields)) for e in await audit.list_entries(s)]


def test_agent_view_type_cannot_carry_phi_it_must_not_see() -> None:
    names = {fld.name for fld in dataclasses.fields(AgentClientView)}
    assert not names & NEVER_FOR_AGENT
    assert not RULES[Role.AI_AGENT]["client"].read & NEVER_FOR_AGENT


@pytest.mark.parametrize("field", sorted(NEVER_FOR_AGENT))
async def test_agent_is_denied_each_protected_field_and_the_denial_is_audited(
    seeded: Database, field: str
) -> None:
    async with seeded.session() as s:
        with pytest.raises(
            AccessDenied, match=f"role 'ai_agent' may not read client: fields not permitted: {field}"
        ):
            await read_client(s, AGENT, "c1", ["first_name", field], purpose="conversation")
    assert await _log(seeded) == [("agent:call-1", "deny_read", "c1", [field])]


async def test_agent_view_has_conversation_fields_only(seeded: Database) -> None:
    async with seeded.session() as s:
        view = await read_client_for_agent(s, AGENT, "c1", purpose="conversation")
    assert view.first_name == f.PHI_NAME and view.coverage_gaps == ("dental", "vision")
    assert f.PHI_SSN not in repr(view) and f.PHI_PHONE not in repr(view)
    [(actor, action, entity_id, fields)] = await _log(seeded)
    assert (actor, action, entity_id) == ("agent:call-1", "read", "c1") and "ssn" not in fields


async def test_agent_view_refuses_other_roles(seeded: Database) -> None:
    async with seeded.session() as s:
        with pytest.raises(ValueError):
            await read_client_for_agent(s, BROKER1, "c1", purpose="x")


async def test_broker_reads_own_client_including_ssn(seeded: Database) -> None:
    async with seeded.session() as s:  # a read-only caller never commits: the audit entry survives
        view = await read_client(s, BROKER1, "c1", ["ssn", "phone"], purpose="enrolment")
    assert view["ssn"] == f.PHI_SSN and view["phone"] == f.PHI_PHONE
    with pytest.raises(KeyError):
        view["medical_notes"]  # noqa: B018 - not requested, not present
    assert await _log(seeded) == [("broker:b1", "read", "c1", ["phone", "ssn"])]


async def test_broker_cannot_read_another_brokers_client(seeded: Database) -> None:
    async with seeded.session() as s:
        with pytest.raises(AccessDenied, match="belongs to another broker"):
            await read_client(s, BROKER1, "c2", ["first_name"], purpose="curiosity")
    assert await _log(seeded) == [("broker:b1", "deny_read", "c2", ["first_name"])]


@pytest.mark.parametrize(
    "actor, fields, allowed",
    [
        (MANAGER, ["state", "eligible"], True),
        (MANAGER, ["first_name"], False),
        (AUDITOR, ["id", "broker_id"], True),
        (AUDITOR, ["phone"], False),
        (Actor("sys", Role.SYSTEM), ["phone", "email"], True),
        (Actor("sys", Role.SYSTEM), ["ssn"], False),
    ],
)
async def test_role_matrix(seeded: Database, actor: Actor, fields: list[str], allowed: bool) -> None:
    async with seeded.session() as s:
        if allowed:
            await read_client(s, actor, "c1", fields, purpose="report")
        else:
            with pytest.raises(AccessDenied):
                await read_client(s, actor, "c1", fields, purpose="report")


async def test_writes_follow_rules_and_are_audited(seeded: Database) -> None:
    async with seeded.session() as s:
        await write_client(s, BROKER1, "c1", {"medical_notes": "updated"}, purpose="broker note")
        await s.commit()
    async with seeded.session() as s:
        with pytest.raises(AccessDenied):
            await write_client(s, AGENT, "c1", {"eligible": False}, purpose="x")
    async with seeded.session() as s:
        assert (await read_client(s, BROKER1, "c1", ["medical_notes"], purpose="check"))[
            "medical_notes"
        ] == "updated"
    actions = [(a, act) for a, act, _, _ in await _log(seeded)]
    assert actions == [("broker:b1", "write"), ("agent:call-1", "deny_write"), ("broker:b1", "read")]


async def test_dob_is_verified_without_being_revealed(seeded: Database) -> None:
    async with seeded.session() as s:
        assert await verify_client_dob(s, AGENT, "c1", f.PHI_DOB) is True
        assert await verify_client_dob(s, AGENT, "c1", date(1950, 1, 1)) is False
    assert [act for _, act, _, _ in await _log(seeded)] == ["verify", "verify"]  # no commit needed
    async with seeded.session() as s:
        with pytest.raises(AccessDenied):
            await verify_client_dob(s, MANAGER, "c1", f.PHI_DOB)


async def test_bad_requests_get_clear_errors(seeded: Database) -> None:
    async with seeded.session() as s:
        with pytest.raises(ValueError, match="unknown client fields: shoe_size"):
            await read_client(s, BROKER1, "c1", ["shoe_size"], purpose="x")
        with pytest.raises(ValueError, match="purpose"):
            await read_client(s, BROKER1, "c1", ["phone"], purpose="")
        with pytest.raises(NotFound):
            await read_client(s, BROKER1, "nope", ["phone"], purpose="x")


def test_policy_unknown_entity_is_denied() -> None:
    with pytest.raises(AccessDenied, match="no access to this entity"):
        AccessPolicy().check_read(AGENT, "audit_log", ["id"])


def test_broker_actor_needs_broker_id() -> None:
    with pytest.raises(ValueError):
        Actor("b", Role.BROKER)
