"""Promise: the Temporal UI codec endpoint decrypts only for auditors and campaign managers, speaks
Temporal's remote codec JSON, allows CORS from the UI origin only, and audits every decode."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from api.routers.codec import COOKIE_NAME, install_codec
from db.api_keys import create_api_key, revoke_api_key
from db.repositories import audit
from db.session import Database
from domain.enums import Role
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


def _cookie(response: httpx.Response) -> str:
    """The value the browser would keep from Set-Cookie."""
    header = response.headers["set-cookie"]
    name, _, rest = header.partition("=")
    assert name == COOKIE_NAME
    return rest.split(";", 1)[0]


async def _decode_with_cookie(client: httpx.AsyncClient, keyring: KeyRing, value: str) -> httpx.Response:
    return await client.post(
        "/codec/decode", json=await _encrypted_body(keyring), headers={"Cookie": f"{COOKIE_NAME}={value}"}
    )


async def test_browser_session_cookie_authenticates(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = env
    bad = await client.post("/codec/session", data={"api_key": tokens[Role.BROKER]})
    assert bad.status_code == 401 and "set-cookie" not in bad.headers
    ok = await client.post("/codec/session", data={"api_key": tokens[Role.AUDITOR]})
    assert ok.status_code == 200
    attributes = ok.headers["set-cookie"].lower()
    assert "httponly" in attributes and "secure" in attributes and "path=/codec" in attributes
    response = await _decode_with_cookie(client, keyring, _cookie(ok))
    assert response.status_code == 200


async def test_the_cookie_holds_a_random_session_id_never_the_api_key(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    """A stolen cookie (or a cookie jar on disk) must not yield the long-lived API key."""
    client, tokens, database = env
    first = _cookie(await client.post("/codec/session", data={"api_key": tokens[Role.AUDITOR]}))
    second = _cookie(await client.post("/codec/session", data={"api_key": tokens[Role.AUDITOR]}))
    key = tokens[Role.AUDITOR]
    assert key not in first and key.removeprefix("gyde_") not in first
    assert first != second and len(first) >= 32
    async with database.engine.connect() as conn:
        stored = str((await conn.execute(text("SELECT * FROM codec_sessions"))).all())
    assert first not in stored and second not in stored and key not in stored  # hashes only


async def test_an_api_key_in_the_cookie_is_refused(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = env
    response = await _decode_with_cookie(client, keyring, tokens[Role.AUDITOR])
    assert response.status_code == 401


async def test_an_expired_session_is_refused(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, database = env
    cookie = _cookie(await client.post("/codec/session", data={"api_key": tokens[Role.AUDITOR]}))
    async with database.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await conn.execute(text("UPDATE codec_sessions SET expires_at = :t"), {"t": past})
    assert (await _decode_with_cookie(client, keyring, cookie)).status_code == 401


async def test_revoking_the_key_ends_its_browser_sessions(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, database = env
    cookie = _cookie(await client.post("/codec/session", data={"api_key": tokens[Role.AUDITOR]}))
    async with database.session() as s:
        assert await revoke_api_key(s, tokens[Role.AUDITOR])
        await s.commit()
    assert (await _decode_with_cookie(client, keyring, cookie)).status_code == 401


async def test_signing_out_ends_the_session(env, keyring: KeyRing) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = env
    cookie = _cookie(await client.post("/codec/session", data={"api_key": tokens[Role.AUDITOR]}))
    out = await client.delete("/codec/session", headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
    assert out.status_code == 200 and "max-age=0" in out.headers["set-cookie"].lower()
    assert (await _decode_with_cookie(client, keyring, cookie)).status_code == 401
