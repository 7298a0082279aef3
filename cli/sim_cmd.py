"""`gyde sim`: the local phone network (Twilio's REST, webhooks, TwiML and Media Streams)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

import uvicorn

from cli.common import setup_process
from settings import get_settings

DEFAULT_PORT = 8766


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("sim", help="Run the local phone network simulator.")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiplies rings, <Say>, <Pause> and gather waits (media stays real-time)",
    )
    parser.add_argument(
        "--number",
        action="append",
        default=[],
        metavar="E164=PERSONA",
        help="map a number to a persona (repeatable); unmapped numbers use the last-two-digits rule",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.app import create_sim_app
    from sim.engine import SimConfig
    from sim.personas import load_personas
    from sim.registry import NumberRegistry

    settings = get_settings()
    setup_process(settings, "sim")  # masks phones, names, dates and emails in every log line
    log = logging.getLogger("gyde.sim")
    token = settings.twilio_auth_token.get_secret_value()
    if not token:
        log.error(
            "GYDE_TWILIO_AUTH_TOKEN is empty: the simulator signs webhooks with it (share it with the api)"
        )
        return 2
    if args.time_scale < 0:
        log.error("--time-scale must be >= 0")
        return 2
    registry = NumberRegistry(load_personas())
    for item in args.number:
        number, sep, persona = item.partition("=")
        if not sep:
            log.error("--number expects E164=PERSONA, got %r", item)
            return 2
        try:
            registry.register(number, persona)
        except ValueError as exc:
            log.error("--number %s: %s", persona, exc)
            return 2
    config = SimConfig(account_sid=settings.twilio_account_sid, auth_token=token, time_scale=args.time_scale)
    app = create_sim_app(config, registry)
    log.info("phone simulator on http://%s:%s (point GYDE_TWILIO_API_BASE here)", args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower(), access_log=False)
    return 0
