"""FastAPI app factory: TwiML and webhook routers plus every other router module found in
api/routers/ (e.g. the security helper's codec endpoints). Everything is built here, nothing at
import time."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI

import api.routers
from adapters.telephony.base import Telephony
from adapters.telephony.twilio_adapter import build_twilio_telephony, config_from_settings
from api.body_limit import BodySizeLimit
from api.deps import StreamTokenMinter
from api.replay import CallOnce, EventDeduper, ReplayCache
from api.routers.health import build_health_router
from api.temporal_gateway import CampaignControl, TemporalGateway
from api.twilio_signature import SignatureVerifier
from settings import Settings

if TYPE_CHECKING:
    from db.session import Database
    from security.keyring import KeyRing

CORE_ROUTERS = ("api.routers.twiml", "api.routers.webhooks")
API_DESCRIPTION = (
    "Campaigns, brokers and auditors over API keys (`Authorization: Bearer gyde_...`, made with "
    "`gyde apikey create`); Twilio's webhooks and TwiML over X-Twilio-Signature. See docs/api.md."
)
OPENAPI_TAGS = [
    {"name": "campaigns", "description": "campaign managers: create, inspect and steer campaigns"},
    {"name": "clients", "description": "client import and field-level reads"},
    {"name": "brokers", "description": "a broker's availability, callbacks, appointments and calendar"},
    {"name": "auditors", "description": "the call log"},
    {"name": "audit", "description": "the audit log and its hash-chain check"},
    {"name": "health", "description": "liveness and readiness"},
]


def default_stream_token_minter() -> StreamTokenMinter:
    """The stream-token signer the media server verifies (security/stream_token.py)."""
    from security.stream_token import mint

    minter: StreamTokenMinter = mint
    return minter


def discover_router_modules() -> list[str]:
    """Core routers first, then any other public module in api/routers/ exposing `router`."""
    names = list(CORE_ROUTERS)
    for info in pkgutil.iter_modules(api.routers.__path__):
        name = f"api.routers.{info.name}"
        if not info.name.startswith("_") and name not in names:
            names.append(name)
    return names


def install_access_routers(app: FastAPI, database: Database, control: CampaignControl | None) -> None:
    """API-key authenticated data routers (/audit, /calls, /clients, /campaigns, /brokers); they
    exist only with a database. Without `control` (no Temporal client) the routes that steer a
    workflow answer 503."""
    from api.auth import ApiKeyAuth
    from api.routers.audit import build_audit_router
    from api.routers.brokers import build_brokers_router
    from api.routers.calls import build_calls_router
    from api.routers.campaigns import build_campaigns_router
    from api.routers.client_import import build_import_router
    from api.routers.clients import build_clients_router

    auth = ApiKeyAuth(database)
    app.include_router(build_audit_router(database, auth))
    app.include_router(build_calls_router(database, auth))
    app.include_router(build_import_router(database, auth))
    app.include_router(build_clients_router(database, auth))
    app.include_router(build_campaigns_router(database, auth, control))
    app.include_router(build_brokers_router(database, auth, control))


def create_app(
    settings: Settings,
    gateway: TemporalGateway,
    telephony: Telephony | None = None,
    mint_stream_token: StreamTokenMinter | None = None,
    replay_window_seconds: float = 600.0,
    *,
    keyring: KeyRing | None = None,
    database: Database | None = None,
    campaigns: CampaignControl | None = None,
) -> FastAPI:
    """The api. `telephony` defaults to the Twilio SDK adapter configured from settings (pointed
    at the simulator when settings.twilio_api_base is set). With a key ring and a database the
    Temporal UI codec endpoints are mounted at /codec (api/routers/codec.py); with a database the
    API-key authenticated data routes are installed (install_access_routers); `campaigns` steers
    campaign and callback workflows, and /readyz checks it and the database."""
    owned_telephony = telephony is None
    telephony_impl: Telephony = telephony or build_twilio_telephony(config_from_settings(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        close = getattr(telephony_impl, "aclose", None)
        if owned_telephony and close is not None:
            await close()

    app = FastAPI(
        title="Gyde Voice api",
        description=API_DESCRIPTION,
        version="1",
        lifespan=lifespan,
        openapi_tags=OPENAPI_TAGS,
    )
    app.state.settings = settings
    app.state.gateway = gateway
    app.state.telephony = telephony_impl
    app.state.mint_stream_token = mint_stream_token or default_stream_token_minter()
    app.state.signature_verifier = SignatureVerifier(
        settings.twilio_auth_token.get_secret_value(),
        settings.public_base_url,
        ReplayCache(window_seconds=replay_window_seconds),
    )
    app.state.event_deduper = EventDeduper()
    app.state.call_once = CallOnce.create()

    for name in discover_router_modules():
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            app.include_router(router)

    if keyring is not None and database is not None:
        from api.routers.codec import install_codec

        install_codec(app, settings, keyring=keyring, database=database)

    app.include_router(build_health_router(database, campaigns))
    if database is not None:
        install_access_routers(app, database, campaigns)

    # Outermost, so no route (nor the signature check) ever reads more than the cap.
    app.add_middleware(
        BodySizeLimit,
        default_limit=settings.api_max_body_bytes,
        limits={"/twilio/": settings.twilio_max_body_bytes},
    )

    return app
