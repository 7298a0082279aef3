"""Promise: the local UI's front door turns on codec credentials in the UI's settings and passes
every other request and answer through unchanged (status, headers, cookies, bodies)."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stack.ui_proxy import build_ui_proxy, with_credentials

SETTINGS = {
    "Auth": {"Enabled": False},
    "Codec": {
        "Endpoint": "http://localhost:8000/codec",
        "PassAccessToken": False,
        "IncludeCredentials": False,
    },
    "Version": "2.54.1",
}


async def _settings(_: Request) -> Response:
    return JSONResponse(SETTINGS)


async def _echo(request: Request) -> Response:
    body = await request.body()
    answer = Response(
        json.dumps(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "body": body.decode(),
                "csrf": request.headers.get("x-csrf-token", ""),
            }
        ),
        status_code=201,
        media_type="application/json",
    )
    answer.set_cookie("_csrf", "token-1", samesite="strict")
    return answer


UPSTREAM = Starlette(
    routes=[Route("/api/v1/settings", _settings), Route("/{path:path}", _echo, methods=["GET", "POST"])]
)


def _proxy() -> httpx.AsyncClient:
    upstream = httpx.ASGITransport(app=UPSTREAM)
    app = build_ui_proxy("http://ui.internal", transport=upstream)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:8233")


async def test_the_settings_say_include_credentials_and_keep_everything_else() -> None:
    async with _proxy() as client:
        answer = await client.get("/api/v1/settings")
    assert answer.status_code == 200
    data = answer.json()
    assert data["Codec"]["IncludeCredentials"] is True
    assert data["Codec"]["Endpoint"] == SETTINGS["Codec"]["Endpoint"]
    assert {k: v for k, v in data.items() if k != "Codec"} == {
        k: v for k, v in SETTINGS.items() if k != "Codec"
    }


async def test_other_requests_pass_through_unchanged() -> None:
    async with _proxy() as client:
        answer = await client.post(
            "/api/v1/namespaces/default/workflows",
            params={"query": 'CampaignId="c1"'},
            content=b"{}",
            headers={"X-CSRF-TOKEN": "t"},
        )
    assert answer.status_code == 201
    assert answer.json() == {
        "method": "POST",
        "path": "/api/v1/namespaces/default/workflows",
        "query": "query=CampaignId%3D%22c1%22",
        "body": "{}",
        "csrf": "t",
    }
    assert "_csrf=token-1" in answer.headers["set-cookie"]


async def test_an_unreachable_ui_is_a_clear_502() -> None:
    app = build_ui_proxy("http://127.0.0.1:9")  # nothing listens on the discard port
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost"
    ) as client:
        answer = await client.get("/")
    assert answer.status_code == 502 and "Temporal UI unreachable" in answer.text


def test_settings_without_a_codec_or_not_json_are_left_alone() -> None:
    assert with_credentials(b"not json") == b"not json"
    no_codec = json.dumps({"Codec": {"Endpoint": ""}}).encode()
    assert with_credentials(no_codec) == no_codec
