"""`gyde sim`'s ASGI app: the phone network with its REST front door."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sim.engine import SimConfig, SimNetwork
from sim.personas import load_personas
from sim.registry import NumberRegistry
from sim.rest import TwilioApiError, error_response, router
from sim.webhook_client import WebhookClient


def create_sim_app(
    config: SimConfig,
    registry: NumberRegistry | None = None,
    webhook_http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`webhook_http` lets tests route the simulator's webhooks to an in-process api."""
    network = SimNetwork(
        config,
        registry or NumberRegistry(load_personas()),
        WebhookClient(config.auth_token, webhook_http),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await network.aclose()
        await network.webhooks.aclose()

    app = FastAPI(title="Gyde phone simulator", lifespan=lifespan)
    app.state.network = network
    app.include_router(router)

    @app.exception_handler(TwilioApiError)
    async def _twilio_error(request: Request, exc: TwilioApiError) -> JSONResponse:
        return error_response(exc)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
