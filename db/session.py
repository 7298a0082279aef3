"""Engine and session factory, built in composition roots from a URL (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db.models import Base


def normalise_url(url: str) -> str:
    """Accept the URLs people type and pick the async driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def make_engine(url: str, search_path: str | None = None) -> AsyncEngine:
    url = normalise_url(url)
    if url.startswith("sqlite+aiosqlite:///") and ":memory:" not in url:
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, str] = {}
    if search_path and url.startswith("postgresql"):
        connect_args["options"] = f"-csearch_path={search_path}"
    # hide_parameters: a SQL error in a log never prints the bound values (they may be PHI)
    engine = create_async_engine(url, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


class Database:
    """An engine plus its session factory; one per process."""

    def __init__(self, url: str, search_path: str | None = None) -> None:
        from db import phone_hashing

        phone_hashing.install()  # every process that writes rows keeps phone_hash derived
        self.engine = make_engine(url, search_path)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def create_all(self) -> None:
        """Create tables directly (tests); production uses `gyde db upgrade` (Alembic)."""
        import db.models_evals  # noqa: F401  (the call evaluations / review queue table)
        import db.models_privacy  # noqa: F401  (registers the privacy tables)

        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()
