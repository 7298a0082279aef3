"""Promise: /healthz says only that the process answers; /readyz checks what it claims - the
database answers, its schema is at the newest migration, Temporal answers - and names the check
that failed with 503."""

from __future__ import annotations

from pathlib import Path

import httpx

import temporal_client
from api.app import create_app
from api.temporal_gateway import TemporalCampaignControl
from db.migrate import upgrade
from db.session import Database
from tests.telephony.conftest import FakeGateway, FakeTelephony, make_settings


async def _ready(database: Database | None, control: TemporalCampaignControl | None) -> httpx.Response:
    app = create_app(make_settings(), FakeGateway(), FakeTelephony(), database=database, campaigns=control)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        return await http.get("/readyz")


def _down() -> TemporalCampaignControl:
    settings = make_settings(temporal_address="127.0.0.1:1")
    return TemporalCampaignControl(lambda: temporal_client.connect(settings), "q")


async def test_an_unmigrated_database_and_an_absent_temporal_are_not_ready(tmp_path: Path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'bare.db'}")
    await database.create_all()  # tables, but never migrated
    response = await _ready(database, _down())
    await database.dispose()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["schema"] == "not migrated: run `gyde db upgrade`"
    assert checks["temporal"].startswith("Temporal is not reachable")


async def test_a_migrated_database_is_ok_and_a_missing_one_is_named(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    await upgrade(url)
    migrated = Database(url)
    response = await _ready(migrated, None)
    await migrated.dispose()
    assert response.status_code == 503  # no Temporal configured: not ready for campaigns
    assert response.json()["checks"] == {"database": "ok", "schema": "ok", "temporal": "not configured"}
    (tmp_path / "a-directory.db").mkdir()
    unusable = Database(f"sqlite+aiosqlite:///{tmp_path / 'a-directory.db'}")
    broken = await _ready(unusable, None)
    await unusable.dispose()
    assert broken.status_code == 503 and broken.json()["checks"]["database"].startswith("unreachable")


def test_the_openapi_document_lists_the_campaign_broker_and_calendar_routes_with_examples(tmp_path: Path):
    app = create_app(
        make_settings(),
        FakeGateway(),
        FakeTelephony(),
        database=Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"),
    )
    spec = app.openapi()
    for path in (
        "/campaigns",
        "/campaigns/upload",
        "/campaigns/{campaign_id}",
        "/campaigns/{campaign_id}/throttle",
        "/clients/import",
        "/brokers/{broker_id}/availability",
        "/brokers/{broker_id}/callbacks/{callback_id}/done",
        "/brokers/{broker_id}/calendar.ics",
        "/calls",
        "/readyz",
    ):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    for name in ("CampaignCreate", "Progress", "Throttle", "UploadRejected", "CallbackOut", "Reschedule"):
        assert schemas[name].get("examples"), name
    ical = spec["paths"]["/brokers/{broker_id}/calendar.ics"]["get"]["responses"]["200"]["content"]
    assert "text/calendar" in ical
