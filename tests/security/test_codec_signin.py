"""Promise: the sign-in link `gyde dev` prints works once, from this machine only, and signs the
browser in to the codec (the cookie decodes); a spent, unknown or expired link signs no one in."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from api.routers.codec import COOKIE_NAME, install_codec
from db import codec_sessions
from db.session import Database
from domain.enums import Role
from security.keyring import KeyRing
from security.payload_codec import data_converter
from settings import Settings

UI = "http://localhost:18233"


def _client(app: FastAPI, host: str = "127.0.0.1", base: str = "http://localhost:18000") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 50123))
    return httpx.AsyncClient(transport=transport, base_url=base)


@pytest.fixture
async def app(database: Database, keyring: KeyRing) -> FastAPI:
    app = FastAPI()
    install_codec(app, Settings(temporal_ui_origin=UI), keyring=keyring, database=database)
    return app


async def _ticket(database: Database, ttl: timedelta = timedelta(minutes=15)) -> str:
    async with database.session() as session:
        ticket = await codec_sessions.open_signin_session(
            session, "dev:temporal-ui", Role.CAMPAIGN_MANAGER, ttl=ttl
        )
        await session.commit()
    return ticket


async def test_the_link_sets_the_cookie_redirects_to_the_ui_and_the_cookie_decodes(
    app: FastAPI, database: Database, keyring: KeyRing
) -> None:
    ticket = await _ticket(database)
    async with _client(app) as client:
        response = await client.get("/codec/signin", params={"ticket": ticket})
        assert response.status_code == 303
        assert response.headers["location"] == f"{UI}/namespaces/default/workflows"
        cookie = response.cookies[COOKIE_NAME]
        assert cookie and cookie != ticket  # a fresh session id, not the link's
        set_cookie = response.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "path=/codec" in set_cookie and "samesite=none" in set_cookie
        [payload] = await data_converter(keyring).encode([{"client_id": "cli-1"}])
        body = {
            "payloads": [
                {
                    "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
                    "data": base64.b64encode(payload.data).decode(),
                }
            ]
        }
        decoded = await client.post("/codec/decode", json=body, headers={"cookie": f"{COOKIE_NAME}={cookie}"})
    assert decoded.status_code == 200
    assert base64.b64decode(decoded.json()["payloads"][0]["data"]) == b'{"client_id":"cli-1"}'


async def test_the_link_works_once(app: FastAPI, database: Database) -> None:
    ticket = await _ticket(database)
    async with _client(app) as client:
        assert (await client.get("/codec/signin", params={"ticket": ticket})).status_code == 303
        again = await client.get("/codec/signin", params={"ticket": ticket})
        # the link's own id is no codec session either
        as_cookie = await client.post(
            "/codec/decode", json={"payloads": []}, headers={"cookie": f"{COOKIE_NAME}={ticket}"}
        )
    assert again.status_code == 401 and "already used" in again.json()["detail"]
    assert as_cookie.status_code == 401


@pytest.mark.parametrize(
    ("host", "base"),
    [("203.0.113.9", "http://localhost:18000"), ("127.0.0.1", "http://gyde.example.com")],
)
async def test_only_this_machine_may_use_a_link(
    app: FastAPI, database: Database, host: str, base: str
) -> None:
    ticket = await _ticket(database)
    async with _client(app, host, base) as client:
        refused = await client.get("/codec/signin", params={"ticket": ticket})
        assert refused.status_code == 403 and "only from this machine" in refused.json()["detail"]
    async with _client(app) as client:  # the refused try did not spend it
        assert (await client.get("/codec/signin", params={"ticket": ticket})).status_code == 303


@pytest.mark.parametrize("ticket", ["", "nonsense", "x" * 300])
async def test_unknown_links_are_refused_clearly(app: FastAPI, ticket: str) -> None:
    async with _client(app) as client:
        response = await client.get("/codec/signin", params={"ticket": ticket})
    assert response.status_code == 401
    assert COOKIE_NAME not in response.cookies


async def test_an_expired_link_is_refused(app: FastAPI, database: Database) -> None:
    async with database.session() as session:
        ticket = await codec_sessions.open_signin_session(
            session,
            "dev:temporal-ui",
            Role.CAMPAIGN_MANAGER,
            ttl=timedelta(minutes=15),
            now=datetime.now(UTC) - timedelta(minutes=16),
        )
        await session.commit()
    async with _client(app) as client:
        assert (await client.get("/codec/signin", params={"ticket": ticket})).status_code == 401


async def test_the_login_form_signs_in_with_a_real_key_and_goes_on_to_the_ui(
    app: FastAPI, database: Database
) -> None:
    from db.api_keys import create_api_key

    async with database.session() as session:
        key = await create_api_key(session, "manager:ann", Role.CAMPAIGN_MANAGER)
        broker_key = await create_api_key(session, "broker:bo", Role.BROKER, "b1")
        await session.commit()
    async with _client(app, base="https://api.gyde.example") as client:
        page = await client.get("/codec/login")
        signed_in = await client.post("/codec/session", data={"api_key": key, "then": "ui"})
        refused = await client.post("/codec/session", data={"api_key": broker_key, "then": "ui"})
        scripted = await client.post("/codec/session", data={"api_key": key})
    assert (
        page.status_code == 200 and 'action="/codec/session"' in page.text and 'name="api_key"' in page.text
    )
    assert (
        signed_in.status_code == 303 and signed_in.headers["location"] == f"{UI}/namespaces/default/workflows"
    )
    assert signed_in.cookies[COOKIE_NAME]
    assert refused.status_code == 401 and COOKIE_NAME not in refused.cookies
    assert scripted.status_code == 200 and scripted.json() == {"status": "ok", "actor": "manager:ann"}


async def test_the_printed_link_is_localhost_and_signs_in(tmp_path, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    from db.migrate import upgrade
    from stack.ui_signin import signin_link, signin_message

    url = f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}"
    await upgrade(url)
    settings = Settings(api_port=18000, temporal_ui_port=18233, temporal_ui_origin=UI)
    link = await signin_link(settings, url)
    assert link.startswith("http://localhost:18000/codec/signin?ticket=")
    message = signin_message(link, "camp-7")
    assert link in message and 'CampaignId="camp-7"' in message
    assert "ciphertext" in signin_message(None)
    database = Database(url)
    app = FastAPI()
    install_codec(app, settings, keyring=keyring, database=database)
    try:
        async with _client(app) as client:
            response = await client.get(link.removeprefix("http://localhost:18000"))
    finally:
        await database.dispose()
    assert response.status_code == 303 and response.cookies[COOKIE_NAME]
