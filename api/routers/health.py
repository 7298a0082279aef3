"""`/healthz` (the process answers) and `/readyz` (it can do its work: the database answers and
its schema is at the newest migration, and Temporal answers). /readyz says which check failed,
with 503, so a load balancer or `gyde dev` can wait on it and a person can read why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from api.temporal_gateway import CampaignControl, TemporalUnavailable

if TYPE_CHECKING:
    from db.session import Database


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "ready", "checks": {"database": "ok", "schema": "ok", "temporal": "ok"}},
                {
                    "status": "not ready",
                    "checks": {
                        "database": "ok",
                        "schema": "not migrated: run `gyde db upgrade`",
                        "temporal": "Temporal is not reachable: connection refused",
                    },
                },
            ]
        }
    )

    status: str
    checks: dict[str, str]


def migration_heads() -> set[str]:
    """The newest revision(s) of db/migrations, read from the scripts themselves."""
    from alembic.script import ScriptDirectory

    from db.migrate import MIGRATIONS

    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


async def check_database(database: Database, heads: set[str]) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            try:
                rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
                versions = {str(v) for v in rows.scalars()}
            except Exception:  # noqa: BLE001 - no alembic_version table: never migrated
                versions = set()
    except Exception as exc:  # noqa: BLE001 - any driver error means "cannot use the database"
        return {"database": f"unreachable: {type(exc).__name__}", "schema": "unknown"}
    if not versions:
        checks["schema"] = "not migrated: run `gyde db upgrade`"
    elif versions != heads:
        checks["schema"] = "behind the newest migration: run `gyde db upgrade`"
    else:
        checks["schema"] = "ok"
    return checks


def build_health_router(database: Database | None, control: CampaignControl | None) -> APIRouter:
    router = APIRouter(tags=["health"])
    heads: set[str] = set()

    @router.get("/healthz")
    async def healthz() -> Health:
        """Liveness: the process is up and serving (checks nothing else)."""
        return Health(status="ok")

    @router.get("/readyz", responses={503: {"model": Readiness, "description": "a check failed"}})
    async def readyz() -> Any:
        """Readiness: the database answers and is migrated, and Temporal answers."""
        checks: dict[str, str] = {}
        if database is None:
            checks["database"] = "not configured"
        else:
            if not heads:
                heads.update(migration_heads())
            checks.update(await check_database(database, heads))
        if control is None:
            checks["temporal"] = "not configured"
        else:
            try:
                await control.ready()
                checks["temporal"] = "ok"
            except TemporalUnavailable as exc:
                checks["temporal"] = str(exc)
        ready = all(value == "ok" for value in checks.values())
        body = Readiness(status="ready" if ready else "not ready", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    return router
