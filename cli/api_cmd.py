"""`gyde api`: the TwiML and webhook api on uvicorn, signalling workflows through Temporal."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

import uvicorn

from cli.common import insecure_start, setup_process
from settings import Settings, get_settings


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("api", help="Run the Twilio TwiML/webhook api (FastAPI).")
    parser.add_argument("--host", default=None, help="bind address (default: GYDE_API_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (default: GYDE_API_PORT)")
    parser.set_defaults(func=run)


async def serve(settings: Settings, host: str, port: int) -> None:
    import temporal_client
    from api.app import create_app
    from api.temporal_gateway import TemporalCampaignControl, TemporalClientGateway
    from db.session import Database
    from security.keyring import KeyRing

    client = await temporal_client.connect(settings)
    database = Database(settings.database_url)
    app = create_app(
        settings,
        TemporalClientGateway(client),
        keyring=KeyRing.from_settings(settings),
        database=database,
        campaigns=TemporalCampaignControl(client, settings.task_queue),
    )
    config = uvicorn.Config(app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False)
    try:
        await uvicorn.Server(config).serve()
    finally:
        await database.dispose()


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if refused := insecure_start(settings, "api"):
        return refused
    setup_process(settings, "api")  # masks phones, names, dates and emails in every log line
    if not settings.twilio_auth_token.get_secret_value():
        logging.getLogger("gyde.api").error(
            "GYDE_TWILIO_AUTH_TOKEN is empty: webhooks cannot be verified (use any secret shared with the sim)"
        )
        return 2
    asyncio.run(serve(settings, args.host or settings.api_host, args.port or settings.api_port))
    return 0
