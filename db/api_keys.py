"""API keys: random bearer tokens carrying an actor and role; only their SHA-256 is stored, so a
database leak yields no usable credential. A token is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models_privacy import ApiKey
from domain.enums import Role
from security.roles import Actor

TOKEN_PREFIX = "gyde_"
# Roles that stand for our own processes, never for a person or tool holding a key: `system` is a
# workflow step inside the worker, `ai_agent` is Emma inside the media server (her view of every
# client would otherwise be one bearer token away).
INTERNAL_ROLES = frozenset({Role.SYSTEM, Role.AI_AGENT})


def hash_api_key(token: str) -> str:
    """High-entropy tokens need no salt or slow hash: SHA-256 cannot be brute-forced back."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_key(
    session: AsyncSession, actor_id: str, role: Role, broker_id: str | None = None
) -> str:
    """Store a new key for `actor_id` and return the token (the only time it exists in clear)."""
    if role in INTERNAL_ROLES:
        raise ValueError(
            f"the {role.value} role is for our own processes (workflow steps, the agent), not for api keys"
        )
    Actor(actor_id, role, broker_id)  # validates (a broker key needs its broker_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            key_hash=hash_api_key(token),
            actor=actor_id,
            role=role.value,
            broker_id=broker_id,
            created_at=datetime.now(UTC),
        )
    )
    await session.flush()
    return token


async def revoke_api_key(session: AsyncSession, token: str) -> bool:
    row = (
        await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_api_key(token)))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    await session.flush()
    return True


async def authenticate(session: AsyncSession, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None (unknown, revoked or malformed)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_api_key(token)))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.role in {r.value for r in INTERNAL_ROLES}:
        return None  # a planted system or ai_agent row is refused like an unknown key
    return Actor(row.actor, Role(row.role), row.broker_id)


async def api_key_id(session: AsyncSession, token: str) -> int | None:
    """The id `gyde apikey list` shows for a token (looked up by its hash)."""
    return (
        await session.execute(select(ApiKey.id).where(ApiKey.key_hash == hash_api_key(token)))
    ).scalar_one_or_none()


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key's metadata (never a token: only hashes are stored), oldest first."""
    return list((await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars())


async def revoke_api_key_by_id(session: AsyncSession, key_id: int) -> bool:
    """Revoke by the id `gyde apikey list` shows, for when the token itself is lost."""
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    await session.flush()
    return True
