"""Promise: every PHI read a workflow step makes is audited - actor `system:<step>`, role, the
fields it needed and why - and no step can read what the system role is not granted (SSN,
medical notes). Driven through a real booking on the time-skipping server."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from activities.client_reads import read_for_step
from db.models import AuditEntry
from db.repositories import audit
from db.session import Database
from domain.enums import CallResult, Outcome, Stage
from security.roles import AccessDenied
from sim.scripted_phone import Book, EnterStage, answered_call
from tests.workflows.harness import running_world
from tests.workflows.test_outreach import run, task_for


async def _entries(db: Database) -> list[AuditEntry]:
    async with db.session() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def test_each_workflow_step_reads_client_phi_through_the_audit_log(
    time_env: WorkflowEnvironment, database: Database
):
    script = answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)
    async with running_world(time_env.client, database, lambda _c, _a: script) as world:
        result = await run(world, task_for(world))
    assert result.outcome is Outcome.SCHEDULED
    client_id = world.client_ids[0]
    reads = {
        entry.actor: entry
        for entry in await _entries(database)
        if entry.entity == "client" and entry.entity_id == client_id and entry.action == "read"
    }
    assert set(reads) >= {"system:screening", "system:dial", "system:email"}
    assert reads["system:dial"].fields == ["phone"] and reads["system:dial"].purpose == "place call"
    assert "phone" in reads["system:screening"].fields
    assert set(reads["system:email"].fields) == {
        "id",
        "broker_id",
        "first_name",
        "last_name",
        "email",
        "timezone",
    }
    assert reads["system:email"].purpose == "email appointment_confirmation"
    assert all(entry.role == "system" for entry in reads.values())
    for entry in reads.values():  # field names only, never values
        assert "ssn" not in entry.fields and "medical_notes" not in entry.fields
    async with database.session() as session:
        assert (await audit.verify_chain(session)).ok


@pytest.mark.parametrize("field", ["ssn", "medical_notes"])
async def test_no_workflow_step_may_read_ssn_or_medical_notes(sqlite_db: Database, field: str):
    from db.seed import seed

    async with sqlite_db.session() as session:
        seeded = await seed(session, brokers=1, clients=1, seed_value=3)
        await session.commit()
    async with sqlite_db.session() as session:
        with pytest.raises(AccessDenied, match=field):
            await read_for_step(session, "dial", seeded.client_ids[0], ("phone", field), "place call")
    denied = [e for e in await _entries(sqlite_db) if e.action == "deny_read"]
    assert len(denied) == 1 and denied[0].actor == "system:dial" and field in denied[0].fields
