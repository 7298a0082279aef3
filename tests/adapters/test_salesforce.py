"""SalesforceCrm on the real simple-salesforce client, against a local HTTPS stub of the Salesforce
REST API (tests/adapters/salesforce_stub.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from simple_salesforce.api import Salesforce

from adapters.crm.salesforce import (
    EXTERNAL_ID_FIELD,
    CrmError,
    CrmRejected,
    SalesforceCrm,
    external_id,
    timeout_session,
)
from tests.adapters.salesforce_stub import API_VERSION, SESSION_ID, TASK_PREFIX, SalesforceStub
from tests.adapters.tls import write_localhost_cert

KEY = "outreach:camp1:client1/crm-outcome"


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[SalesforceStub]:
    cert, key = write_localhost_cert(tmp_path)
    with SalesforceStub(cert, key) as server:
        server.cert = cert  # type: ignore[attr-defined]
        yield server


def crm_for(stub: SalesforceStub, session_id: str = SESSION_ID) -> SalesforceCrm:
    cert = stub.cert  # type: ignore[attr-defined]
    client = Salesforce(
        instance_url=stub.instance_url,
        session_id=session_id,
        version=API_VERSION,
        session=timeout_session(5.0, verify=str(cert)),
    )
    return SalesforceCrm(client)


async def test_the_same_key_twice_upserts_one_task(stub: SalesforceStub) -> None:
    crm = crm_for(stub)
    first = await crm.write_outcome(KEY, "client1", "camp1", "scheduled", "Booked Tue 10:00", "apt_1")
    second = await crm.write_outcome(KEY, "client1", "camp1", "scheduled", "Booked Tue 10:00", "apt_1")
    assert first == second
    assert stub.org.task_ids() == {first}
    patches = [path for method, path in stub.org.requests if method == "PATCH"]
    assert patches == [f"{TASK_PREFIX}{EXTERNAL_ID_FIELD}/{external_id(KEY)}"] * 2


async def test_outcome_fields_are_mapped(stub: SalesforceStub) -> None:
    crm = crm_for(stub)
    await crm.write_outcome(KEY, "client1", "camp1", "opted_out", "Asked not to be called", None)
    task = stub.org.tasks[external_id(KEY)]
    assert task["Subject"] == "Gyde call outcome: opted_out"
    assert task["Description"] == "Asked not to be called"
    assert task["Status"] == "Completed"
    assert task["Gyde_Client_Id__c"] == "client1"
    assert task["Gyde_Campaign_Id__c"] == "camp1"
    assert "Gyde_Appointment_Id__c" not in task


async def test_tasks_carry_broker_and_due_date(stub: SalesforceStub) -> None:
    crm = crm_for(stub)
    due = datetime(2030, 1, 8, 15, 30, tzinfo=UTC)
    record_id = await crm.create_task("outreach:camp1:client1/task", "client1", "b7", "Call back Ann", due)
    [task] = stub.org.tasks.values()
    assert task["Id"] == record_id
    assert (task["Subject"], task["ActivityDate"], task["Status"]) == (
        "Call back Ann",
        "2030-01-08",
        "Not Started",
    )
    assert (task["Gyde_Broker_Id__c"], task["Gyde_Client_Id__c"]) == ("b7", "client1")


async def test_different_keys_write_different_tasks(stub: SalesforceStub) -> None:
    crm = crm_for(stub)
    a = await crm.write_outcome(KEY, "client1", "camp1", "no_answer", "", None)
    b = await crm.write_outcome(KEY + "-2", "client1", "camp1", "scheduled", "", None)
    assert a != b and stub.org.task_ids() == {a, b}


async def test_a_bodyless_update_reads_the_record_back(stub: SalesforceStub) -> None:
    stub.org.legacy_update_204 = True
    crm = crm_for(stub)
    first = await crm.write_outcome(KEY, "client1", "camp1", "scheduled", "", None)
    second = await crm.write_outcome(KEY, "client1", "camp1", "scheduled", "", None)
    assert first == second
    assert ("GET", f"{TASK_PREFIX}{EXTERNAL_ID_FIELD}/{external_id(KEY)}") in stub.org.requests


async def test_a_server_error_surfaces_as_a_retryable_crm_error(stub: SalesforceStub) -> None:
    stub.org.fail_with = 500
    with pytest.raises(CrmError, match="HTTP 500") as caught:
        await crm_for(stub).write_outcome(KEY, "client1", "camp1", "scheduled", "", None)
    assert not isinstance(caught.value, CrmRejected)
    assert stub.org.tasks == {}


async def test_an_invalid_session_is_rejected(stub: SalesforceStub) -> None:
    with pytest.raises(CrmRejected, match="HTTP 401"):
        await crm_for(stub, session_id="expired").write_outcome(
            KEY, "client1", "camp1", "scheduled", "", None
        )


async def test_an_unknown_field_is_rejected(stub: SalesforceStub) -> None:
    crm = SalesforceCrm(crm_for(stub)._sf, contact_id_field="No_Such_Field__c")
    with pytest.raises(CrmRejected, match="INVALID_FIELD"):
        await crm.write_outcome(KEY, "client1", "camp1", "scheduled", "", None)


async def test_an_unreachable_instance_is_a_retryable_crm_error(tmp_path: Path) -> None:
    cert, key = write_localhost_cert(tmp_path)
    with SalesforceStub(cert, key) as dead:
        url = dead.instance_url
    crm = SalesforceCrm.from_session(url, SESSION_ID, session=timeout_session(2.0, verify=str(cert)))
    with pytest.raises(CrmError, match="ConnectionError"):
        await crm.write_outcome(KEY, "client1", "camp1", "scheduled", "", None)
