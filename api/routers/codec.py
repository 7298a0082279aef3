"""Remote codec endpoints for the Temporal UI (`POST /codec/encode`, `POST /codec/decode`).

The Temporal UI only ever sees ciphertext from the server; a person allowed to read workflow
details (roles auditor and campaign_manager) can have the UI send payloads here to be decrypted.
Wire format is Temporal's: {"payloads": [{"metadata": {k: base64}, "data": base64}]}.

Installed as a sub-application mounted at /codec so its CORS policy (only the Temporal UI origin,
credentials allowed) applies to these two routes and nothing else in the api:

    from api.routers.codec import install_codec
    install_codec(app, settings, keyring=keyring, database=database)

Authentication: `Authorization: Bearer <api key>` or, for the browser UI (codec "include
credentials"), the HttpOnly cookie set by `POST /codec/session` (a form with the key). The cookie
holds a random session id, never the key (db/codec_sessions.py keeps its hash server-side
with an expiry); `DELETE /codec/session` signs out. Every decode is appended to the audit log;
refused calls are audited too.
"""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from temporalio.api.common.v1 import Payloads

from api.auth import BEARER_CHALLENGE, ApiKeyAuth
from db import codec_sessions
from db.repositories import audit
from db.session import Database
from domain.enums import Role
from security.keyring import KeyRing
from security.payload_codec import EncryptionCodec
from settings import Settings

COOKIE_NAME = "gyde_codec_key"
CODEC_ROLES = frozenset({Role.AUDITOR, Role.CAMPAIGN_MANAGER})
MAX_PAYLOADS = 1000


SESSION_HOURS = 8
COOKIE_PATH = "/codec"


def build_codec_router(keyring: KeyRing, database: Database) -> APIRouter:
    """Routes relative to the mount point (/encode, /decode, /session)."""
    codec = EncryptionCodec(keyring)
    auth = ApiKeyAuth(database)
    router = APIRouter(tags=["codec"])

    async def authenticated(request: Request) -> Any:
        """A bearer key (scripts) wins; otherwise the browser's session cookie."""
        if request.headers.get("authorization"):
            return await auth.actor(request)
        session_id = request.cookies.get(COOKIE_NAME, "")
        if not session_id:
            raise HTTPException(401, "missing bearer API key or codec session", headers=BEARER_CHALLENGE)
        async with database.session() as session:
            actor = await codec_sessions.session_actor(session, session_id, CODEC_ROLES)
        if actor is None:
            raise HTTPException(401, "codec session unknown, expired or revoked", headers=BEARER_CHALLENGE)
        return actor

    async def _audit(actor_id: str, role: str, action: str, namespace: str, count: int) -> None:
        async with database.session() as session:
            await audit.append_and_commit(
                session,
                audit.AuditRecord(
                    actor_id,
                    role,
                    action,
                    "temporal_payload",
                    namespace,
                    (),
                    f"temporal ui codec: {count} payloads",
                ),
            )

    async def principal(request: Request) -> Any:
        actor = await authenticated(request)
        if actor.role not in CODEC_ROLES:
            await _audit(
                actor.actor_id,
                actor.role.value,
                f"deny_{request.url.path.rsplit('/', 1)[-1]}",
                request.headers.get("x-namespace", ""),
                0,
            )
            raise HTTPException(403, f"role {actor.role.value!r} may not use the payload codec")
        return actor

    async def _payloads(request: Request) -> Payloads:
        try:
            body = await request.json()
            payloads = ParseDict(body, Payloads())
        except (ValueError, ParseError) as exc:
            raise HTTPException(
                400, f"body must be {{'payloads': [...]}} in Temporal codec format: {exc}"
            ) from None
        if len(payloads.payloads) > MAX_PAYLOADS:
            raise HTTPException(413, f"at most {MAX_PAYLOADS} payloads per request")
        return payloads

    def _json(payloads: list[Any]) -> dict[str, Any]:
        return MessageToDict(Payloads(payloads=payloads))

    @router.post("/encode")
    async def encode(request: Request, actor: Annotated[Any, Depends(principal)]) -> dict[str, Any]:
        payloads = await _payloads(request)
        return _json(await codec.encode(payloads.payloads))

    @router.post("/decode")
    async def decode(request: Request, actor: Annotated[Any, Depends(principal)]) -> dict[str, Any]:
        payloads = await _payloads(request)
        try:
            decoded = await codec.decode(payloads.payloads)
        except (ValueError, KeyError) as exc:
            raise HTTPException(400, f"payload could not be decrypted: {exc}") from None
        await _audit(
            actor.actor_id, actor.role.value, "decode", request.headers.get("x-namespace", ""), len(decoded)
        )
        return _json(decoded)

    @router.post("/session")
    async def session_cookie(response: Response, api_key: Annotated[str, Form()]) -> dict[str, str]:
        """Browser login for the UI: checks the key, then sets an HttpOnly cookie holding a random
        session id (the key itself never goes into the cookie)."""
        async with database.session() as session:
            opened = await codec_sessions.open_session(
                session, api_key, CODEC_ROLES, ttl=timedelta(hours=SESSION_HOURS)
            )
            await session.commit()
        if opened is None:
            raise HTTPException(401, "invalid API key for the payload codec")
        session_id, actor = opened
        response.set_cookie(
            COOKIE_NAME,
            session_id,
            httponly=True,
            samesite="none",
            secure=True,
            max_age=SESSION_HOURS * 3600,
            path=COOKIE_PATH,
        )
        return {"status": "ok", "actor": actor.actor_id}

    @router.delete("/session")
    async def end_session_cookie(request: Request, response: Response) -> dict[str, str]:
        """Sign out: the session id stops working and the cookie is cleared (always 200)."""
        async with database.session() as session:
            await codec_sessions.end_session(session, request.cookies.get(COOKIE_NAME, ""))
            await session.commit()
        response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, secure=True, httponly=True, samesite="none")
        return {"status": "signed out"}

    return router


def build_codec_app(settings: Settings, keyring: KeyRing, database: Database) -> FastAPI:
    """The codec as its own small ASGI app with CORS limited to the Temporal UI origin."""
    app = FastAPI(title="Gyde payload codec", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(build_codec_router(keyring, database))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[settings.temporal_ui_origin],
        allow_methods=["POST", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
    )
    return app


def install_codec(app: FastAPI, settings: Settings, *, keyring: KeyRing, database: Database) -> None:
    """Mount the codec at /codec on the api (call from api.app.create_app)."""
    app.mount("/codec", build_codec_app(settings, keyring, database))
