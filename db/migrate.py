"""Alembic, driven from code so `gyde db upgrade` (and the demo) need no alembic.ini lookups."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from db.session import normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; Alembic runs its own event loop, so use a thread."""
    from db.session import make_engine

    make_engine(url)  # creates the SQLite file's folder when needed
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)
