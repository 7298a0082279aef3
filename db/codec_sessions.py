"""Browser sessions for the Temporal UI codec: `POST /codec/session` checks an API key once and
hands the browser a random session id; the server keeps only the id's SHA-256, the key it stands
for and its expiry. A cookie that leaks (a shared machine, a cookie jar on disk) is then worth at
most one session, never the long-lived key; revoking the key ends every session opened with it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.api_keys import authenticate, hash_api_key
from db.models_privacy import ApiKey, CodecSession
from domain.enums import Role
from security.roles import Actor

DEFAULT_TTL = timedelta(hours=8)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def open_session(
    session: AsyncSession,
    api_key: str,
    roles: Collection[Role],
    *,
    ttl: timedelta = DEFAULT_TTL,
    now: datetime | None = None,
) -> tuple[str, Actor] | None:
    """A new session id for a valid, unrevoked key of one of `roles` (None otherwise). Expired
    sessions are purged on the way, so the table stays small."""
    actor = await authenticate(session, api_key)
    if actor is None or actor.role not in roles:
        return None
    key_id = (
        await session.execute(select(ApiKey.id).where(ApiKey.key_hash == hash_api_key(api_key)))
    ).scalar_one()
    at = now or datetime.now(UTC)
    await session.execute(delete(CodecSession).where(CodecSession.expires_at < at))
    session_id = secrets.token_urlsafe(32)
    session.add(
        CodecSession(session_hash=_hash(session_id), api_key_id=key_id, created_at=at, expires_at=at + ttl)
    )
    await session.flush()
    return session_id, actor


async def session_actor(
    session: AsyncSession, session_id: str, roles: Collection[Role], *, now: datetime | None = None
) -> Actor | None:
    """Who an unexpired session id stands for, re-checking its key (revoked keys end sessions)."""
    if not session_id or len(session_id) > 256:
        return None
    row = (
        await session.execute(
            select(CodecSession, ApiKey)
            .join(ApiKey, ApiKey.id == CodecSession.api_key_id)
            .where(CodecSession.session_hash == _hash(session_id))
        )
    ).one_or_none()
    if row is None:
        return None
    codec_session, key = row
    if _utc(codec_session.expires_at) <= (now or datetime.now(UTC)) or key.revoked_at is not None:
        return None
    try:
        role = Role(key.role)
    except ValueError:
        return None
    if role not in roles:
        return None
    return Actor(key.actor, role, key.broker_id)


async def end_session(session: AsyncSession, session_id: str) -> None:
    """Sign out: the id stops working at once (unknown ids are ignored)."""
    if session_id:
        await session.execute(delete(CodecSession).where(CodecSession.session_hash == _hash(session_id)))
        await session.flush()


async def exchange_session(
    session: AsyncSession,
    session_id: str,
    roles: Collection[Role],
    *,
    ttl: timedelta = DEFAULT_TTL,
    now: datetime | None = None,
) -> tuple[str, Actor] | None:
    """Trade a valid session id for a new one of the same key (None when it is not valid). The
    presented id stops working at once, so a sign-in link made from it works exactly once."""
    actor = await session_actor(session, session_id, roles, now=now)
    if actor is None:
        return None
    row = (
        await session.execute(select(CodecSession).where(CodecSession.session_hash == _hash(session_id)))
    ).scalar_one()
    key_id = row.api_key_id
    await session.delete(row)
    at = now or datetime.now(UTC)
    new_id = secrets.token_urlsafe(32)
    session.add(
        CodecSession(session_hash=_hash(new_id), api_key_id=key_id, created_at=at, expires_at=at + ttl)
    )
    await session.flush()
    return new_id, actor


async def open_signin_session(
    session: AsyncSession, actor_id: str, role: Role, *, ttl: timedelta, now: datetime | None = None
) -> str:
    """A fresh API key for `actor_id` and a short-lived session on it: the id a one-time sign-in
    link carries (stack/ui_signin.py). The key's token is never shown to anyone."""
    from db.api_keys import create_api_key

    token = await create_api_key(session, actor_id, role)
    opened = await open_session(session, token, (role,), ttl=ttl, now=now)
    assert opened is not None  # the key was created just now
    return opened[0]
