"""Promise: no request the OpenAPI spec allows - or nearly allows - makes the api answer 5xx.
Schemathesis generates requests for every operation of /openapi.json and sends them in process
(ASGI) with the key of the role each route is for, against a migrated database with brokers, callbacks,
appointments and calls, and a real Temporal dev server (so /readyz is ready and the steering
routes reach Temporal). The database holds no client rows, so no generated request can start a
campaign whose progress query would then wait on a worker that this test does not run.
Few examples per operation keep it fast; FUZZ_EXAMPLES=50 makes a deeper run."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.temporal_gateway import TemporalCampaignControl
from db.api_keys import create_api_key
from db.migrate import upgrade
from db.models import Appointment, CallAttempt, Callback
from db.session import Database
from domain.enums import Role
from security.field_crypto import configure_field_encryption, reset_field_encryption
from security.keyring import KeyRing, generate_key_spec
from tests.conftest import start_dev_env
from tests.security import factories as f
from tests.telephony.conftest import FakeGateway, FakeTelephony, make_settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ROLES = (Role.CAMPAIGN_MANAGER, Role.BROKER, Role.AUDITOR)
TOKENS: dict[Role, str] = {}
ROLE_FOR_PREFIX = (
    ("/campaigns", Role.CAMPAIGN_MANAGER),
    ("/clients", Role.CAMPAIGN_MANAGER),
    ("/brokers", Role.BROKER),
    ("/calls", Role.AUDITOR),
    ("/audit", Role.AUDITOR),
)


class DevServer:
    """Temporal's dev server, run from a loop on its own thread (the api runs on schemathesis's)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.env: WorkflowEnvironment = self._run(start_dev_env())
        self.address: str = self.env.client.service_client.config.target_host

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def stop(self) -> None:
        self._run(self.env.shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


async def _prepare(url: str) -> None:
    await upgrade(url)
    database = Database(url)
    now = datetime.now(UTC)
    async with database.session() as s:
        s.add_all([f.broker("b1"), f.broker("b2")])
        await s.flush()
        s.add(
            Callback(
                id="cb_0123456789abcdef",
                idempotency_key="k/cb",
                campaign_id="camp",
                client_id="c1",
                broker_id="b1",
                callback_at=now + timedelta(days=1),
                owner="broker",
                status="scheduled",
            )
        )
        s.add(
            Appointment(
                id="apt_1",
                idempotency_key="k/apt",
                campaign_id="camp",
                client_id="c1",
                broker_id="b1",
                slot_start=now + timedelta(days=2),
                product="dental",
                confirmation_code="ABC123",
                created_at=now,
            )
        )
        s.add(
            CallAttempt(
                idempotency_key="k/a1",
                campaign_id="camp",
                client_id="c1",
                attempt=1,
                status="ended",
                result="declined",
                created_at=now,
            )
        )
        for role in ROLES:
            TOKENS[role] = await create_api_key(
                s, f"{role.value}-fuzz", role, "b1" if role is Role.BROKER else None
            )
        await s.commit()
    await database.dispose()


class AppSlot:
    """The ASGI app schemathesis calls: the real one, put in by the fixture (the schema is read
    at collection from an app that is never served)."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "the served_app fixture fills the slot"
        await self.app(scope, receive, send)


SLOT = AppSlot()


def _spec() -> dict[str, Any]:
    """The OpenAPI document of the app with every router installed (nothing is connected)."""
    unused = Database("sqlite+aiosqlite:///:memory:")
    return create_app(
        make_settings(), FakeGateway(), FakeTelephony(), database=unused, campaigns=None
    ).openapi()


schema = schemathesis.openapi.from_dict(_spec())
schema.app = SLOT


@pytest.fixture(scope="module", autouse=True)
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    import temporal_client

    keyring = KeyRing.parse(generate_key_spec("fuzz"))
    configure_field_encryption(keyring)
    url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'api.db'}"
    asyncio.run(_prepare(url))
    server = DevServer()
    app_settings = make_settings(temporal_address=server.address, database_url=url)
    control = TemporalCampaignControl(lambda: temporal_client.connect(app_settings), "fuzz-queue")
    database = Database(url)  # used only on schemathesis's loop
    app = create_app(
        app_settings, FakeGateway(), FakeTelephony(), keyring=keyring, database=database, campaigns=control
    )
    SLOT.app = app
    try:
        yield
    finally:
        SLOT.app = None
        server.stop()
        reset_field_encryption()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,  # nothing written to .hypothesis/
)
def test_no_request_makes_the_api_fail(case: schemathesis.Case) -> None:
    """Each generated request with the key of the role the route is for, so it gets past
    authorisation (who may call what is tests/security/test_api_authorisation.py's matter)."""
    role = next((r for prefix, r in ROLE_FOR_PREFIX if case.operation.path.startswith(prefix)), None)
    headers = {"Authorization": f"Bearer {TOKENS[role]}"} if role is not None else {}
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
