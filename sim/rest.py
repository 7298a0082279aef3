"""The subset of Twilio's REST API (2010-04-01) the adapter uses, with Twilio's JSON and error
shapes, plus /sim endpoints to map numbers to personas and inspect calls."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import re
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import FormData

from adapters.phone_numbers import normalize_e164
from domain.phone import InvalidPhoneNumber
from sim.calls import CallOptions, SimCall, twilio_error
from sim.engine import CallNotInProgress, SimNetwork
from sim.faults import SimFaults
from sim.personas import PersonaError

API = "/2010-04-01/Accounts/{account_sid}"
E164_LOOSE = re.compile(r"^\+\d{8,15}$")
router = APIRouter()


class TwilioApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(exc: TwilioApiError) -> JSONResponse:
    return JSONResponse(twilio_error(exc.status, exc.code, exc.message), status_code=exc.status)


def _network(request: Request) -> SimNetwork:
    network: SimNetwork = request.app.state.network
    return network


NetworkDep = Annotated[SimNetwork, Depends(_network)]


def _authenticate(request: Request, account_sid: str, network: NetworkDep) -> None:
    """HTTP Basic with the account sid and auth token, and the path's account must match."""
    header = request.headers.get("authorization", "")
    try:
        scheme, _, encoded = header.partition(" ")
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        scheme, user, password = "", "", ""
    config = network.config
    ok = (
        scheme.lower() == "basic"
        and hmac.compare_digest(user, config.account_sid)
        and hmac.compare_digest(password, config.auth_token)
        and account_sid == config.account_sid
    )
    if not ok:
        raise TwilioApiError(401, 20003, "Authenticate")


Authenticated = Depends(_authenticate)


def _call(network: SimNetwork, call_sid: str) -> SimCall:
    call = network.calls.get(call_sid)
    if call is None:
        raise TwilioApiError(404, 20404, f"The requested resource /Calls/{call_sid}.json was not found")
    return call


def _events(form: FormData, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    values: list[str] = []
    for raw in form.getlist(name):
        if isinstance(raw, str):
            values.extend(raw.replace(",", " ").split())
    return tuple(values) or default


def _str(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value != "" else None


def _inject(network: SimNetwork, name: str) -> bool:
    if network.faults.take(name):
        setattr(network.injected, name, getattr(network.injected, name) + 1)
        return True
    return False


def _rest_fault(network: SimNetwork) -> None:
    if _inject(network, "rest_5xx"):
        raise TwilioApiError(500, 20500, "Internal Server Error (simulated)")


@router.post(API + "/Calls.json", dependencies=[Authenticated])
async def create_call(request: Request, network: NetworkDep) -> Response:
    if _inject(network, "create_429"):
        raise TwilioApiError(429, 20429, "Too Many Requests (simulated)")
    if _inject(network, "create_5xx"):
        raise TwilioApiError(503, 20503, "Service Unavailable (simulated)")
    form = await request.form()
    raw_to, from_ = _str(form, "To"), _str(form, "From")
    if not raw_to:
        raise TwilioApiError(400, 21201, "No 'To' number is specified")
    try:
        to = normalize_e164(raw_to)
    except InvalidPhoneNumber as exc:
        raise TwilioApiError(400, 21211, "Invalid 'To' Phone Number") from exc
    if not from_ or not E164_LOOSE.match(from_):
        raise TwilioApiError(400, 21212, "Invalid 'From' Phone Number")
    url, twiml = _str(form, "Url"), _str(form, "Twiml")
    if not url and not twiml:
        raise TwilioApiError(400, 21205, "Url parameter is required")
    try:
        timeout = int(_str(form, "Timeout") or "60")
    except ValueError as exc:
        raise TwilioApiError(400, 21210, "Timeout must be an integer") from exc
    options = CallOptions(
        url=url,
        twiml=twiml,
        method=_str(form, "Method") or "POST",
        status_callback=_str(form, "StatusCallback"),
        status_events=_events(form, "StatusCallbackEvent", ("completed",)),
        machine_detection=_str(form, "MachineDetection"),
        async_amd=(_str(form, "AsyncAmd") or "false").lower() == "true",
        amd_callback=_str(form, "AsyncAmdStatusCallback"),
        timeout=max(5, min(timeout, 600)),
    )
    call = network.create_call(to, from_, options)
    if network.faults.slow_create_s:
        await asyncio.sleep(network.faults.slow_create_s)
    if _inject(network, "create_answer_lost"):
        call.log.append(("fault", "create answer lost"))
        raise TwilioApiError(500, 20500, "Internal Server Error (simulated, after the call was created)")
    return JSONResponse(call.to_json(), status_code=201)


@router.get(API + "/Calls.json", dependencies=[Authenticated])
async def list_calls(request: Request, network: NetworkDep) -> Response:
    """Twilio's call list, newest first, filtered by To and From (one page)."""
    _rest_fault(network)
    params = request.query_params
    to, from_ = params.get("To"), params.get("From")
    try:
        page_size = max(1, min(int(params.get("PageSize", "50")), 1000))
    except ValueError as exc:
        raise TwilioApiError(400, 20001, "PageSize must be an integer") from exc
    calls = [
        c
        for c in sorted(network.calls.values(), key=lambda c: c.created_at, reverse=True)
        if (not to or c.to == to) and (not from_ or c.from_ == from_)
    ][:page_size]
    uri = f"/2010-04-01/Accounts/{network.config.account_sid}/Calls.json"
    return JSONResponse(
        {
            "calls": [c.to_json() for c in calls],
            "end": max(0, len(calls) - 1),
            "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
            "next_page_uri": None,
            "page": 0,
            "page_size": page_size,
            "previous_page_uri": None,
            "start": 0,
            "uri": f"{uri}?PageSize={page_size}&Page=0",
        }
    )


@router.get(API + "/Calls/{call_sid}.json", dependencies=[Authenticated])
async def fetch_call(call_sid: str, network: NetworkDep) -> Response:
    _rest_fault(network)
    return JSONResponse(_call(network, call_sid).to_json())


@router.post(API + "/Calls/{call_sid}.json", dependencies=[Authenticated])
async def update_call(call_sid: str, request: Request, network: NetworkDep) -> Response:
    _rest_fault(network)
    call = _call(network, call_sid)
    form = await request.form()
    status = _str(form, "Status")
    if status is not None and status not in ("completed", "canceled"):
        raise TwilioApiError(400, 21218, "Invalid Status: must be completed or canceled")
    try:
        network.update_call(call, status, _str(form, "Url"), _str(form, "Twiml"))
    except CallNotInProgress as exc:
        raise TwilioApiError(400, 21220, "Call is not in-progress. Cannot redirect.") from exc
    return JSONResponse(call.to_json())


@router.post(API + "/Calls/{call_sid}/Recordings.json", dependencies=[Authenticated])
async def create_recording(call_sid: str, request: Request, network: NetworkDep) -> Response:
    _rest_fault(network)
    call = _call(network, call_sid)
    form = await request.form()
    channels = 2 if _str(form, "RecordingChannels") == "dual" else 1
    try:
        recording = network.start_recording(
            call,
            _str(form, "RecordingStatusCallback"),
            _events(form, "RecordingStatusCallbackEvent", ("completed",)),
            channels,
        )
    except CallNotInProgress as exc:
        raise TwilioApiError(400, 21220, "Call is not in-progress. Cannot start recording.") from exc
    return JSONResponse(recording.to_json(), status_code=201)


@router.get(API + "/Recordings/{recording_sid}.json", dependencies=[Authenticated])
async def fetch_recording(recording_sid: str, network: NetworkDep) -> Response:
    recording = network.recordings.get(recording_sid)
    if recording is None:
        raise TwilioApiError(
            404, 20404, f"The requested resource /Recordings/{recording_sid}.json was not found"
        )
    return JSONResponse(recording.to_json())


@router.delete(API + "/Recordings/{recording_sid}.json", dependencies=[Authenticated])
@router.delete(API + "/Calls/{call_sid}/Recordings/{recording_sid}.json", dependencies=[Authenticated])
async def delete_recording(recording_sid: str, network: NetworkDep) -> Response:
    _rest_fault(network)
    if not network.delete_recording(recording_sid):
        raise TwilioApiError(
            404, 20404, f"The requested resource /Recordings/{recording_sid}.json was not found"
        )
    return Response(status_code=204)


# --- simulator control --------------------------------------------------------------------------


class NumberRegistration(BaseModel):
    persona: str
    facts: dict[str, str] = Field(default_factory=dict)


@router.get("/sim/personas")
async def list_personas(network: NetworkDep) -> dict[str, Any]:
    return {name: p.description for name, p in sorted(network.registry.personas.items())}


@router.put("/sim/numbers/{number}")
async def register_number(number: str, body: NumberRegistration, network: NetworkDep) -> dict[str, str]:
    try:
        e164 = network.registry.register(number, body.persona, body.facts)
    except (PersonaError, InvalidPhoneNumber) as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return {"number": e164, "persona": body.persona}


class BulkRegistration(NumberRegistration):
    number: str


@router.post("/sim/numbers")
async def register_numbers(body: list[BulkRegistration], network: NetworkDep) -> dict[str, int]:
    """Many numbers at once (the demo seeder); all or nothing."""
    staged = []
    for item in body:
        if item.persona not in network.registry.personas:
            raise HTTPException(status_code=400, detail=f"unknown persona {item.persona!r}")
        try:
            staged.append((normalize_e164(item.number), item))
        except InvalidPhoneNumber as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
    for e164, item in staged:
        network.registry.register(e164, item.persona, item.facts)
    return {"registered": len(staged)}


@router.get("/sim/numbers/{number}")
async def lookup_number(number: str, network: NetworkDep) -> dict[str, str]:
    try:
        e164 = normalize_e164(number)
    except InvalidPhoneNumber as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return {"number": e164, "persona": network.registry.entry(e164).persona}


@router.put("/sim/faults")
async def set_faults(body: SimFaults, network: NetworkDep) -> dict[str, Any]:
    network.faults = body
    return {"faults": body.model_dump(), "injected": network.injected.model_dump()}


@router.get("/sim/faults")
async def get_faults(network: NetworkDep) -> dict[str, Any]:
    return {"faults": network.faults.model_dump(), "injected": network.injected.model_dump()}


@router.get("/sim/calls")
async def list_sim_calls(network: NetworkDep) -> dict[str, Any]:
    """Every call the network carried, with the workflow and dial attempt its callback URL named
    and its recordings: what `gyde chaos` checks the invariants against."""
    return {"calls": [_summary(call) for call in network.calls.values()]}


def _summary(call: SimCall) -> dict[str, Any]:
    query = parse_qs(urlsplit(call.options.status_callback or "").query)
    return {
        "sid": call.sid,
        "to": call.to,
        "status": call.status,
        "created_at": call.created_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "workflow_id": (query.get("workflow_id") or [""])[0],
        "attempt": int((query.get("call_attempt") or ["0"])[0]),
        "recordings": [{"sid": r.sid, "deleted": r.deleted} for r in call.recordings],
        "hangup_requested": call.hangup_requested,
    }


@router.get("/sim/calls/{call_sid}")
async def inspect_call(call_sid: str, network: NetworkDep) -> dict[str, Any]:
    call = _call(network, call_sid)
    return {
        "call": call.to_json(),
        "persona": call.persona.name,
        "log": [list(item) for item in call.log],
        "transcript": [list(item) for item in call.transcript],
        "recordings": [r.to_json() | {"deleted": r.deleted} for r in call.recordings],
    }
