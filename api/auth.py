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
from security.roles import ALL, AccessDenied, AccessPolicy, Actor

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
        """A dependency admitting callers whose role may read all of `entity` (RULES grant "*");
        anyone else gets 403 and an audited deny_read."""

        async def dependency(request: Request) -> Actor:
            actor = await self.actor(request)
            try:
                self._policy.check_read(actor, entity, (ALL,))
            except AccessDenied as exc:
                async with self._database.session() as session:
                    await record_denial(session, exc, request.url.path[:64], f"api {request.method}")
                raise HTTPException(403, str(exc)) from None
            return actor

        return dependency
