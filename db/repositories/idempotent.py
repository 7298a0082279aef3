"""Write-once by idempotency key: the unique constraint is the guard, the select the fast path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

RowT = TypeVar("RowT")


async def find_by_key(session: AsyncSession, model: type[RowT], key: str) -> RowT | None:
    column: Any = model.idempotency_key  # type: ignore[attr-defined]
    result = await session.execute(select(model).where(column == key))
    return result.scalar_one_or_none()


async def insert_once(
    session: AsyncSession,
    model: type[RowT],
    key: str,
    build: Callable[[], RowT],
    on_conflict: Callable[[IntegrityError], Exception] | None = None,
) -> tuple[RowT, bool]:
    """Insert the row `build()` makes unless one with `key` exists; return (row, created).

    A concurrent insert of the same key loses the race at the unique constraint and returns the
    winner's row; any other constraint violation is passed to `on_conflict` to become a domain error.
    """
    existing = await find_by_key(session, model, key)
    if existing is not None:
        return existing, False
    row = build()
    session.add(row)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        existing = await find_by_key(session, model, key)
        if existing is not None:
            return existing, False
        if on_conflict is not None:
            raise on_conflict(exc) from exc
        raise
    return row, True
