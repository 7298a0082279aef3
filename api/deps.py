"""Annotated dependencies reading the objects create_app put on app.state (no module globals)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from adapters.telephony.base import Telephony
from adapters.telephony.urls import TwilioUrls
from api.replay import CallOnce, EventDeduper
from api.temporal_gateway import TemporalGateway
from domain.ids import parse_outreach_workflow_id
from settings import Settings

StreamTokenMinter = Callable[[str, str, str, int], str]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _gateway(request: Request) -> TemporalGateway:
    gateway: TemporalGateway = request.app.state.gateway
    return gateway


def _telephony(request: Request) -> Telephony:
    telephony: Telephony = request.app.state.telephony
    return telephony


def _urls(request: Request) -> TwilioUrls:
    return TwilioUrls(_settings(request).public_base_url)


def _deduper(request: Request) -> EventDeduper:
    deduper: EventDeduper = request.app.state.event_deduper
    return deduper


def _call_once(request: Request) -> CallOnce:
    once: CallOnce = request.app.state.call_once
    return once


def _minter(request: Request) -> StreamTokenMinter:
    minter: StreamTokenMinter = request.app.state.mint_stream_token
    return minter


def _workflow_id(request: Request) -> str:
    """Every Twilio URL we hand out carries `workflow_id`; anything else is malformed."""
    workflow_id = request.query_params.get("workflow_id", "")
    try:
        parse_outreach_workflow_id(workflow_id)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail="missing or malformed workflow_id") from exc
    return workflow_id


SettingsDep = Annotated[Settings, Depends(_settings)]
GatewayDep = Annotated[TemporalGateway, Depends(_gateway)]
TelephonyDep = Annotated[Telephony, Depends(_telephony)]
UrlsDep = Annotated[TwilioUrls, Depends(_urls)]
DeduperDep = Annotated[EventDeduper, Depends(_deduper)]
CallOnceDep = Annotated[CallOnce, Depends(_call_once)]
MinterDep = Annotated[StreamTokenMinter, Depends(_minter)]
WorkflowIdDep = Annotated[str, Depends(_workflow_id)]
