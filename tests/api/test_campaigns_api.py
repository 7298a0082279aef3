"""Promise: campaign managers create campaigns over the api - from JSON over existing clients,
or from a CSV upload that is checked row by row (every bad row named by line and reason, nothing
created unless skip_invalid) - list them, and steer a running one (progress by stage and
outcome, throttle, pause, resume, cancel) through its real workflow on Temporal's test server.
Unknown campaigns are 404, bad input 422, and a missing Temporal 503 - never a 500."""

from __future__ import annotations

import asyncio
import csv
import io

from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.temporal_gateway import TemporalCampaignControl
from db.models import Campaign, CampaignMember, Client
from db.session import Database
from domain.enums import Role
from security.keyring import KeyRing
from tests.api.csv_rows import GOOD, HEADER
from tests.security.test_api_authorisation import build_api
from tests.telephony.conftest import FakeGateway, FakeTelephony, make_settings
from tests.workflows.harness import running_world
from tests.workflows.test_campaign import SAFETY_NET, GatedPhone, scripts, until


def csv_bytes(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


async def _count(database: Database, what: object) -> int:
    async with database.session() as s:
        return int((await s.execute(select(func.count()).select_from(what))).scalar_one())  # type: ignore[arg-type]


async def test_a_draft_campaign_from_json_is_listed_and_has_not_started(database: Database, keyring: KeyRing):
    api = await build_api(database, keyring)
    manager = api.auth(Role.CAMPAIGN_MANAGER)
    made = await api.http.post(
        "/campaigns",
        json={"campaign_id": "spring", "client_ids": ["c1", "c2"], "start": False},
        headers=manager,
    )
    assert made.status_code == 201, made.text
    assert made.json()["campaign"]["clients"] == 2 and made.json()["started"] is False
    listed = await api.http.get("/campaigns", headers=manager)
    assert [(c["campaign_id"], c["status"], c["clients"]) for c in listed.json()["campaigns"]] == [
        ("spring", "draft", 2)
    ]
    detail = await api.http.get("/campaigns/spring", headers=manager)
    assert detail.json()["progress"]["state"] == "not_started"
    again = await api.http.post("/campaigns", json={"campaign_id": "spring", "start": False}, headers=manager)
    assert again.status_code == 409


async def test_bad_campaign_requests_are_clear_4xx(database: Database, keyring: KeyRing):
    api = await build_api(database, keyring)
    manager = api.auth(Role.CAMPAIGN_MANAGER)
    unknown_clients = await api.http.post(
        "/campaigns",
        json={"campaign_id": "x", "client_ids": ["c1", "ghost"], "start": False},
        headers=manager,
    )
    assert unknown_clients.status_code == 422 and "ghost" in unknown_clients.json()["detail"]
    nobody = await api.http.post(
        "/campaigns", json={"campaign_id": "x", "broker_id": "b9", "start": False}, headers=manager
    )
    assert nobody.status_code == 422 and "at least one client" in nobody.json()["detail"]
    colon = await api.http.post("/campaigns", json={"campaign_id": "a:b"}, headers=manager)
    assert colon.status_code == 422
    bad_window = await api.http.post(
        "/campaigns",
        json={"campaign_id": "x", "settings": {"window": {"start_hour": 20, "end_hour": 9}}},
        headers=manager,
    )
    assert bad_window.status_code == 422
    for verb in ("pause", "resume", "cancel"):
        missing = await api.http.post(f"/campaigns/nope/{verb}", headers=manager)
        assert missing.status_code == 404 and "unknown campaign" in missing.json()["detail"]
    empty_throttle = await api.http.post("/campaigns/nope/throttle", json={}, headers=manager)
    assert empty_throttle.status_code == 422
    # Starting needs Temporal: this app has none, so 503 - and nothing was written.
    no_temporal = await api.http.post(
        "/campaigns", json={"campaign_id": "y", "client_ids": ["c1"]}, headers=manager
    )
    assert no_temporal.status_code == 503
    assert await _count(database, Campaign) == 0


async def test_an_upload_with_bad_rows_creates_nothing_and_names_each_row(
    database: Database, keyring: KeyRing
):
    api = await build_api(database, keyring)
    manager = api.auth(Role.CAMPAIGN_MANAGER)
    bad_phone = [*GOOD[:4], "12", *GOOD[5:]]
    bad_phone[0] = "n2"
    bad_broker = [*GOOD]
    bad_broker[0], bad_broker[1] = "n3", "nobody"
    body = csv_bytes(GOOD, bad_phone, bad_broker)
    files = {"file": ("clients.csv", body, "text/csv")}
    form = {"campaign_id": "fromfile", "start": "false"}
    refused = await api.http.post("/campaigns/upload", data=form, files=files, headers=manager)
    assert refused.status_code == 422, refused.text
    rejected = refused.json()["rejected"]
    assert [r["line"] for r in rejected] == [3, 4]
    assert "phone" in rejected[0]["reason"] and "broker" in rejected[1]["reason"]
    assert "Diaz" not in refused.text  # reasons never repeat a value
    assert await _count(database, Campaign) == 0 and await _count(database, Client) == 2  # the seeded two
    skipped = await api.http.post(
        "/campaigns/upload", data={**form, "skip_invalid": "true"}, files=files, headers=manager
    )
    assert skipped.status_code == 201, skipped.text
    assert skipped.json()["imported"] == 1 and [r["line"] for r in skipped.json()["rejected"]] == [3, 4]
    assert await _count(database, CampaignMember) == 1


async def test_client_import_reports_rows_and_a_file_without_columns_is_422(
    database: Database, keyring: KeyRing
):
    api = await build_api(database, keyring)
    manager = api.auth(Role.CAMPAIGN_MANAGER)
    bad = [*GOOD]
    bad[0], bad[8] = "n9", "1950-13-45"
    done = await api.http.post(
        "/clients/import", files={"file": ("c.csv", csv_bytes(GOOD, bad), "text/csv")}, headers=manager
    )
    assert done.status_code == 200, done.text
    assert done.json()["client_ids"] == ["n1"]
    assert done.json()["rejected"] == [{"line": 3, "reason": "date_of_birth must be YYYY-MM-DD"}]
    no_columns = await api.http.post(
        "/clients/import", files={"file": ("c.csv", b"id,name\n1,x\n", "text/csv")}, headers=manager
    )
    assert no_columns.status_code == 422 and "missing required column" in no_columns.json()["detail"]
    binary = await api.http.post(
        "/clients/import", files={"file": ("c.csv", b"\xff\xfe\x00bad", "text/csv")}, headers=manager
    )
    assert binary.status_code == 422


async def test_a_running_campaign_is_steered_through_its_workflow(
    time_env: WorkflowEnvironment, database: Database, keyring: KeyRing
):
    async with running_world(
        time_env.client, database, scripts({}), clients=2, phone_type=GatedPhone
    ) as world:
        phone = world.phone
        assert isinstance(phone, GatedPhone)
        control = TemporalCampaignControl(time_env.client, world.task_queue)
        app = create_app(
            make_settings(), FakeGateway(), FakeTelephony(), database=database, campaigns=control
        )
        api = await build_api(database, keyring, app=app, seed=False)
        manager = api.auth(Role.CAMPAIGN_MANAGER)
        created = await api.http.post(
            "/campaigns",
            json={
                "campaign_id": "api-camp",
                "client_ids": world.client_ids,
                "settings": {
                    "max_concurrent_calls": 1,
                    "dials_per_minute": 600,
                    "window": {"start_hour": 0, "end_hour": 24},
                },
            },
            headers=manager,
        )
        assert created.status_code == 201, created.text
        await until(lambda: len(phone.dialed) == 1)  # the cap of one live call
        progress = (await api.http.get("/campaigns/api-camp", headers=manager)).json()["progress"]
        assert progress["state"] == "running" and progress["in_flight"] == 1
        assert progress["by_stage"]["in_call"] == 1 and progress["max_concurrent_calls"] == 1
        throttled = await api.http.post(
            "/campaigns/api-camp/throttle", json={"max_concurrent_calls": 2}, headers=manager
        )
        assert throttled.status_code == 200 and throttled.json()["max_concurrent_calls"] == 2
        await until(lambda: len(phone.dialed) == 2)  # the new cap lets the second client dial
        assert (await api.http.post("/campaigns/api-camp/pause", headers=manager)).status_code == 202
        paused = (await api.http.get("/campaigns/api-camp", headers=manager)).json()["progress"]
        assert paused["paused"] is True
        assert (await api.http.post("/campaigns/api-camp/resume", headers=manager)).status_code == 202
        again = await api.http.post("/campaigns/api-camp/start", headers=manager)
        assert again.status_code == 409  # already started
        phone.gate.set()
        handle = time_env.client.get_workflow_handle("campaign:api-camp")
        await asyncio.wait_for(handle.result(), SAFETY_NET)
        done = (await api.http.get("/campaigns/api-camp", headers=manager)).json()["progress"]
    assert done["state"] == "completed" and done["by_outcome"] == {"declined": 2}
    assert done["by_stage"]["done"] == 2
