"""X-Twilio-Signature: valid, forged, missing, signed for another URL, tampered, replayed."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from api.app import create_app
from api.twilio_signature import public_url
from tests.telephony.conftest import (
    PUBLIC_BASE,
    WORKFLOW_ID,
    FakeGateway,
    FakeTelephony,
    Webhooks,
    call_params,
    make_settings,
    sign,
)

STATUS = f"/twilio/status?workflow_id={WORKFLOW_ID}"
CONSENT = f"/twilio/voice/consent?workflow_id={WORKFLOW_ID}&attempt=1"


async def test_valid_signature_is_accepted(webhooks: Webhooks, gateway: FakeGateway) -> None:
    response = await webhooks.post(STATUS, call_params(CallStatus="ringing", SequenceNumber="1"))
    assert response.status_code == 204
    assert len(gateway.of("call_status")) == 1


async def test_missing_signature_is_403_and_signals_nothing(webhooks: Webhooks, gateway: FakeGateway) -> None:
    response = await webhooks.post(STATUS, call_params(CallStatus="ringing"), signature=None)
    assert response.status_code == 403
    assert "missing" in response.json()["detail"]
    assert gateway.signals == []


async def test_forged_signature_is_403(webhooks: Webhooks, gateway: FakeGateway) -> None:
    params = call_params(CallStatus="completed")
    forged = sign(f"{PUBLIC_BASE}{STATUS}", params, token="not-the-auth-token")
    response = await webhooks.post(STATUS, params, signature=forged)
    assert response.status_code == 403
    assert gateway.signals == []


async def test_signature_for_the_internal_url_is_rejected(webhooks: Webhooks, gateway: FakeGateway) -> None:
    """Twilio signs the public URL; a signature over the proxy's internal URL is not Twilio's."""
    response = await webhooks.post(
        STATUS, call_params(CallStatus="ringing"), signed_url=f"http://api.internal{STATUS}"
    )
    assert response.status_code == 403
    assert gateway.signals == []


async def test_tampered_body_is_403(webhooks: Webhooks, gateway: FakeGateway) -> None:
    params = call_params(CallStatus="ringing")
    good = sign(f"{PUBLIC_BASE}{STATUS}", params)
    tampered = params | {"CallStatus": "completed"}
    response = await webhooks.post(STATUS, tampered, signature=good)
    assert response.status_code == 403
    assert gateway.signals == []


async def test_tampered_query_is_403(webhooks: Webhooks, gateway: FakeGateway) -> None:
    params = call_params(CallStatus="ringing")
    good = sign(f"{PUBLIC_BASE}{STATUS}", params)
    response = await webhooks.post("/twilio/status?workflow_id=outreach:camp1:other", params, signature=good)
    assert response.status_code == 403
    assert gateway.signals == []


async def test_signature_is_checked_before_parameters(webhooks: Webhooks) -> None:
    """An unsigned malformed request learns nothing about what we expect: 403, not 400."""
    response = await webhooks.post("/twilio/status", {}, signature=None)
    assert response.status_code == 403


async def test_replayed_consent_gets_the_same_twiml_and_records_once(
    webhooks: Webhooks, gateway: FakeGateway, telephony: FakeTelephony
) -> None:
    params = call_params(SpeechResult="yes")
    first = await webhooks.post(CONSENT, params)
    second = await webhooks.post(CONSENT, params)
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert len(gateway.of("consent")) == 1
    assert [a[0] for a in telephony.actions] == ["start_recording"]


async def test_concurrent_duplicates_run_the_handler_once(webhooks: Webhooks, gateway: FakeGateway) -> None:
    params = call_params(CallStatus="answered", SequenceNumber="2")
    responses = await asyncio.gather(*(webhooks.post(STATUS, params) for _ in range(5)))
    assert {r.status_code for r in responses} == {204}
    assert len(gateway.of("call_status")) == 1


async def test_a_failed_webhook_is_processed_again_when_twilio_retries(
    webhooks: Webhooks, gateway: FakeGateway
) -> None:
    gateway.fail_next = 1
    params = call_params(CallStatus="completed", SequenceNumber="3")
    try:
        first = await webhooks.post(STATUS, params)
        assert first.status_code == 500
    except RuntimeError:
        pass  # ASGITransport re-raises app exceptions: Twilio would have seen a 500
    retry = await webhooks.post(STATUS, params)
    assert retry.status_code == 204
    assert len(gateway.of("call_status")) == 1


async def test_replays_expire_after_the_window_but_dedupe_still_holds(gateway: FakeGateway) -> None:
    app: FastAPI = create_app(make_settings(), gateway, FakeTelephony(), replay_window_seconds=0.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        hooks = Webhooks(http)
        params = call_params(CallStatus="ringing", SequenceNumber="1")
        await hooks.post(STATUS, params)
        await asyncio.sleep(0.01)
        again = await hooks.post(STATUS, params)
    assert again.status_code == 204
    assert len(gateway.of("call_status")) == 1


def test_public_url_joins_base_path_and_query() -> None:
    assert (
        public_url("https://h.example/p/", "/twilio/status", "a=1&b=2")
        == "https://h.example/p/twilio/status?a=1&b=2"
    )
    assert public_url("https://h.example", "/x", "") == "https://h.example/x"


def test_an_empty_auth_token_is_refused_at_startup(gateway: FakeGateway) -> None:
    from pydantic import SecretStr

    try:
        create_app(make_settings(twilio_auth_token=SecretStr("")), gateway, FakeTelephony())
    except ValueError as exc:
        assert "auth token" in str(exc)
    else:
        raise AssertionError("an app that cannot verify webhooks must not start")


async def test_the_codec_endpoints_are_mounted_when_keys_and_a_database_are_given(
    gateway: FakeGateway, sqlite_db: object
) -> None:
    from security.keyring import KeyRing

    plain = create_app(make_settings(), gateway, FakeTelephony())
    with_codec = create_app(
        make_settings(),
        gateway,
        FakeTelephony(),
        keyring=KeyRing.development(),
        database=sqlite_db,  # type: ignore[arg-type]
    )
    for app, mounted in ((plain, False), (with_codec, True)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
            response = await http.post("/codec/decode", json={"payloads": []})
        assert (response.status_code != 404) is mounted
