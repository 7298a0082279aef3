"""API-key authentication and role checks shared by every router that serves data (not Twilio's:
those are authenticated by X-Twilio-Signature, api/twilio_signature.py).

A caller presents `Authorization: Bearer <api key>`; db.api_keys turns it into an `Actor`
(actor id, role, broker id). What that actor may then read is decided by security/roles.py RULES,
never by role names written into a router, and every refusal of an authenticated caller is
appended to the audit log, because a refused attempt is exactly what an auditor wants to see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from db.access import record_denial
from db.api_keys import authenticate
from db.session import Database
from security.roles import ALL, AccessDenied, AccessPolicy, Actor, NotOwner

BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def bearer_token(request: Request) -> str:
    """The API key from `Authorization: Bearer`; empty when there is none. (Keys never ride in
    cookies: the codec's browser sign-in uses a session id, db/codec_sessions.py.)"""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return ""


class ApiKeyAuth:
    """Bearer API keys checked against one database; build one per app and use its methods as
    FastAPI dependencies."""

    def __init__(self, database: Database, *, policy: AccessPolicy | None = None) -> None:
        self._database = database
        self._policy = policy or AccessPolicy()

    async def actor(self, request: Request) -> Actor:
        """The authenticated caller, or 401 (missing, malformed, unknown or revoked key)."""
        token = bearer_token(request)
        if not token:
            raise HTTPException(401, "missing bearer API key", headers=BEARER_CHALLENGE)
        async with self._database.session() as session:
            actor = await authenticate(session, token)
        if actor is None:
            raise HTTPException(401, "invalid or revoked API key", headers=BEARER_CHALLENGE)
        return actor

    def reader_of(self, entity: str) -> Callable[[Request], Awaitable[Actor]]:
        """A dependency admitting callers whose role may read all of `entity` - every field and
        every row (a broker's own-rows rule does not count); anyone else gets 403 and an audited
        deny_read."""
        return self._gate("read", entity, whole=True)

    def writer_of(self, entity: str) -> Callable[[Request], Awaitable[Actor]]:
        """Like reader_of, for changing `entity` (campaigns: create, pause, throttle...)."""
        return self._gate("write", entity, whole=True)

    def broker_scoped(
        self, action: str, entity: str, fields: frozenset[str] = frozenset({ALL})
    ) -> Callable[[Request, str], Awaitable[Actor]]:
        """A dependency for `/brokers/{broker_id}/...`: the caller's role may `action` these
        fields of `entity`, and a broker only for itself. Another broker's id answers 404 like an
        unknown one (ids cannot be probed); every refusal is audited."""

        async def dependency(request: Request, broker_id: str) -> Actor:
            actor = await self.actor(request)
            try:
                check = self._policy.check_read if action == "read" else self._policy.check_write
                check(actor, entity, fields, owner_broker_id=broker_id)
            except NotOwner as exc:
                await self._deny(request, exc, broker_id)
                raise HTTPException(404, f"unknown broker {broker_id!r}") from None
            except AccessDenied as exc:
                await self._deny(request, exc, broker_id)
                raise HTTPException(403, str(exc)) from None
            return actor

        return dependency

    def _gate(self, action: str, entity: str, *, whole: bool) -> Callable[[Request], Awaitable[Actor]]:
        async def dependency(request: Request) -> Actor:
            actor = await self.actor(request)
            try:
                if action == "read":
                    self._policy.check_read(actor, entity, (ALL,))
                else:
                    self._policy.check_write(actor, entity, (ALL,))
                rule = self._policy.rule(actor.role, entity)
                if whole and rule is not None and rule.own_only:
                    raise AccessDenied(actor, action, entity, (ALL,), "only its own records")
            except AccessDenied as exc:
                await self._deny(request, exc, request.url.path[:64])
                raise HTTPException(403, str(exc)) from None
            return actor

        return dependency

    async def _deny(self, request: Request, exc: AccessDenied, entity_id: str) -> None:
        async with self._database.session() as session:
            await record_denial(
                session, exc, entity_id[:64], f"api {request.method} {request.url.path}"[:200]
            )
