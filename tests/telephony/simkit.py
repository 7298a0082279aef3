"""Helpers to run the phone simulator in-process in tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from fastapi import FastAPI

from adapters.telephony.http_client import RewritingAsyncHttpClient
from adapters.telephony.twilio_adapter import TwilioConfig, TwilioTelephony, build_twilio_telephony
from sim.app import create_sim_app
from sim.engine import SimConfig, SimNetwork
from sim.personas import load_personas
from sim.registry import NumberRegistry
from tests.telephony.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE

SIM_BASE = "http://sim.local:8766"


def sim_app(webhook_transport: httpx.AsyncBaseTransport, time_scale: float = 0.02) -> FastAPI:
    config = SimConfig(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, time_scale=time_scale, bridge_seconds=1.0
    )
    return create_sim_app(
        config, NumberRegistry(load_personas()), httpx.AsyncClient(transport=webhook_transport, timeout=10)
    )


def network_of(app: FastAPI) -> SimNetwork:
    network: SimNetwork = app.state.network
    return network


def adapter_for(
    app: FastAPI, auth_token: str = AUTH_TOKEN, public_base: str = PUBLIC_BASE
) -> TwilioTelephony:
    config = TwilioConfig(
        account_sid=ACCOUNT_SID,
        auth_token=auth_token,
        public_base_url=public_base,
        caller_id="+12025550100",
        ring_timeout_seconds=30,
        api_base=SIM_BASE,
    )
    http = RewritingAsyncHttpClient(SIM_BASE, transport=httpx.ASGITransport(app=app))
    return build_twilio_telephony(config, http)


async def wait_for(predicate: Callable[[], bool], limit_s: float = 20.0) -> None:
    """Poll until `predicate()` holds; a generous bound only turns a hang into a failure."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)
