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
with an expiry); `DELETE /codec/session` signs out. `GET /codec/signin?ticket=...` is the
one-time, loopback-only sign-in link the embedded stack prints (stack/ui_signin.py);
`GET /codec/login` is a plain form posting a key to `/codec/session` for production browsers. Every decode is appended to the audit log;
refused calls are audited too.
"""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from temporalio.api.common.v1 import Payloads

from api.auth import BEARER_CHALLENGE, ApiKeyAuth
from db import codec_sessions
from db.repositories import audit
from db.session import Database
from domain.enums import Role
from security.keyring import KeyRing
from security.payload_codec import EncryptionCodec
from security.startup_checks import is_loopback_host
from settings import Settings

COOKIE_NAME = "gyde_codec_key"
CODEC_ROLES = frozenset({Role.AUDITOR, Role.CAMPAIGN_MANAGER})
MAX_PAYLOADS = 1000


SESSION_HOURS = 8
COOKIE_PATH = "/codec"
LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gyde: sign in to the Temporal UI</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto">
<h1>Sign in to the Temporal UI</h1>
<p>An auditor or campaign-manager API key lets the UI decrypt workflow payloads through this api.
The key is checked once; your browser keeps only a session id (8 hours).</p>
<form method="post" action="/codec/session">
<input type="hidden" name="then" value="ui">
<label>API key <input type="password" name="api_key" autocomplete="off" required size="40"></label>
<button type="submit">Sign in</button>
</form></body></html>
"""


def _set_cookie(response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        session_id,
        httponly=True,
        samesite="none",
        secure=True,
        max_age=SESSION_HOURS * 3600,
        path=COOKIE_PATH,
    )


def build_codec_router(
    keyring: KeyRing,
    database: Database,
    *,
    ui_origin: str = "http://localhost:8233",
    namespace: str = "default",
) -> APIRouter:
    """Routes relative to the mount point (/encode, /decode, /session, /signin)."""
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

    @router.get("/login", include_in_schema=False)
    async def login_page() -> HTMLResponse:
        """A plain form (no script) for signing a browser in with an API key (production)."""
        return HTMLResponse(LOGIN_PAGE)

    @router.post("/session", response_model=None)
    async def session_cookie(
        response: Response, api_key: Annotated[str, Form()], then: Annotated[str, Form()] = ""
    ) -> dict[str, str] | Response:
        """Browser login for the UI: checks the key, then sets an HttpOnly cookie holding a random
        session id (the key itself never goes into the cookie). `then=ui` (the /codec/login form)
        answers with a redirect to the UI instead of JSON."""
        async with database.session() as session:
            opened = await codec_sessions.open_session(
                session, api_key, CODEC_ROLES, ttl=timedelta(hours=SESSION_HOURS)
            )
            await session.commit()
        if opened is None:
            raise HTTPException(401, "invalid API key for the payload codec")
        session_id, actor = opened
        if then == "ui":
            redirect = RedirectResponse(f"{ui_origin}/namespaces/{namespace}/workflows", status_code=303)
            _set_cookie(redirect, session_id)
            return redirect
        _set_cookie(response, session_id)
        return {"status": "ok", "actor": actor.actor_id}

    @router.get("/signin", include_in_schema=False)
    async def signin(request: Request, ticket: str = "") -> Response:
        """The one-time sign-in link `gyde dev` and `gyde demo --keep-running` print: loopback
        callers only; the ticket (a short-lived session id) is traded for a fresh session whose
        id becomes the cookie, so the link is spent, then the browser goes on to the UI."""
        caller = request.client.host if request.client else None
        if not (is_loopback_host(caller) and is_loopback_host(request.url.hostname)):
            raise HTTPException(403, "sign-in links work only from this machine")
        async with database.session() as session:
            opened = await codec_sessions.exchange_session(
                session, ticket, CODEC_ROLES, ttl=timedelta(hours=SESSION_HOURS)
            )
            await session.commit()
        if opened is None:
            raise HTTPException(401, "sign-in link unknown, expired or already used: print a new one")
        response = RedirectResponse(f"{ui_origin}/namespaces/{namespace}/workflows", status_code=303)
        _set_cookie(response, opened[0])
        return response

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
    app.include_router(
        build_codec_router(
            keyring, database, ui_origin=settings.temporal_ui_origin, namespace=settings.temporal_namespace
        )
    )
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
