"""Promise: the Temporal UI codec endpoint decrypts only for auditors and campaign managers, speaks
Temporal's remote codec JSON, allows CORS from the UI origin only, and audits every decode."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi import FastAPI

from api.routers.codec import COOKIE_NAME, install_codec
from db.repositories import audit
from db.session import Database
from domain.enums import Role
from security.api_keys import create_api_key, revoke_api_key
from security.keyring import KeyRing
from security.payload_codec import data_converter
from settings import Settings

UI = "http://localhost:8233"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


@pytest.fixture
async def env(database: Database, keyring: KeyRing) -> tuple[httpx.AsyncClient, dict[Role, str], Database]:
    app = FastAPI()
    install_codec(app, Settings(temporal_ui_origin=UI), keyring=keyring, database=database)
    tokens: dict[Role, str] = {}
    async with database.session() as s:
        for role in (Role.AUDITOR, Role.CAMPAIGN_MANAGER, Role.BROKER):
            tokens[role] = await create_api_key(
                s, f"{role.value}-1", role, "b1" if role is Role.BROKER else None
            )
        await s.commit()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")
    return client, tokens, database


async def _encrypted_body(keyring: KeyRing) -> dict[str, object]:
    [payload] = await data_converter(keyring).encode([{"first_name": "Margaret"}])
    return {
        "payloads": [
            {"metadata": {k: _b64(v) for k, v in payload.metadata.items()}, "data": _b64(payload.data)}
        ]
    }


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.CAMPAIGN_MANAGER])
async def test_permitted_roles_decode_and_each_decode_is_audited(env, keyring: KeyRing, role: Role) -> None:  # type: ignore[no-untyped-def]
    client, tokens, database = env
    response = await client.post(
        "/codec/decode",
        json=await _encrypted_body(keyring),
        headers={"Authorization": f"Bearer {tokens[role]}", "X-Namespace": "default"},
    )
    assert response.status_code == 200
    [decoded] = response.json()["payloads"]
    assert base64.b64decode(decoded["metadata"]["encoding"]) == b"json/plain"
    assert base64.b64decode(decoded["data"]) == b'{"first_name":"Margaret"}'
    async with database.session() as s:
        [entry] = await audit.list_entries(s)
    assert (entry.actor, entry.role, entry.action, entry.entity, entry.entity_id) == (
        f"{role.value}-1",
        role.value,
        "decode",
        "temporal_payload",
        "default",
    )


@pytest.mark.parametrize("role", [Role.BROKER])
async def test_other_roles_are_refused_and_audited(env, keyring: KeyRing, role: Role) -> None:  # type: ignore[no-untyped-def]
    client, tokens, database = env
    for path in ("/codec/decode", "/codec/encode"):
        response = await client.post(
            path, json=await _encrypted_body(keyring), headers={"Authorization": f"Bearer {tokens[role]}"}
        )
        assert response.status_code == 403
        assert role.value in response.json()["detail"]
    async with database.session() as s:
        assert [e.action for e in await audit.list_entries(s)] == ["deny_decode", "deny_encode"]


@pytest.mark.parametrize("header", [None, "Bearer gyde_not-a-real-key", "Basic abc"])
async def test_missing_or_unknown_credentials_get_401(env, keyring: KeyRing, header: str | None) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = env
    headers = {"Authorization": header} if header else {}
    response = await client.post("/codec/decode", json=await _encrypted_body(keyring), headers=headers)
    assert response.status_code == 401


async def test_revoked_key_is_refused(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, database = env
    async with database.session() as s:
        assert await revoke_api_key(s, tokens[Role.AUDITOR])
        await s.commit()
    response = await client.post(
        "/codec/decode",
        json=await _encrypted_body(keyring),
        headers={"Authorization": f"Bearer {tokens[Role.AUDITOR]}"},
    )
    assert response.status_code == 401


async def test_encode_then_decode_round_trip(env) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = env
    auth = {"Authorization": f"Bearer {tokens[Role.AUDITOR]}"}
    plain = {"payloads": [{"metadata": {"encoding": _b64(b"json/plain")}, "data": _b64(b'"hello"')}]}
    encoded = (await client.post("/codec/encode", json=plain, headers=auth)).json()
    assert base64.b64decode(encoded["payloads"][0]["metadata"]["encoding"]) == b"binary/encrypted"
    assert b"hello" not in base64.b64decode(encoded["payloads"][0]["data"])
    decoded = (await client.post("/codec/decode", json=encoded, headers=auth)).json()
    assert decoded == plain


async def test_malformed_and_tampered_bodies_get_400(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = env
    auth = {"Authorization": f"Bearer {tokens[Role.AUDITOR]}"}
    assert (await client.post("/codec/decode", json={"nope": 1}, headers=auth)).status_code == 400
    body = await _encrypted_body(keyring)
    payload = body["payloads"][0]  # type: ignore[index]
    payload["data"] = _b64(b"\x00" * 40)
    response = await client.post("/codec/decode", json=body, headers=auth)
    assert response.status_code == 400 and "decrypted" in response.json()["detail"]


async def test_cors_allows_only_the_temporal_ui_origin(env) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = env
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    ok = await client.options("/codec/decode", headers={"Origin": UI, **preflight})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == UI
    assert ok.headers["access-control-allow-credentials"] == "true"
    evil = await client.options("/codec/decode", headers={"Origin": "https://evil.example", **preflight})
    assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers


async def test_browser_session_cookie_authenticates(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = env
    bad = await client.post("/codec/session", data={"api_key": tokens[Role.BROKER]})
    assert bad.status_code == 401
    ok = await client.post("/codec/session", data={"api_key": tokens[Role.AUDITOR]})
    assert ok.status_code == 200 and "httponly" in ok.headers["set-cookie"].lower()
    response = await client.post(
        "/codec/decode",
        json=await _encrypted_body(keyring),
        headers={"Cookie": f"{COOKIE_NAME}={tokens[Role.AUDITOR]}"},
    )
    assert response.status_code == 200
