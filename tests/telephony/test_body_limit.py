"""Request bodies are capped before anything reads them (the signature check parses the whole
form): an over-limit body gets 413 whether it declares its length or streams chunks without one,
and nothing is signalled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from tests.telephony.conftest import (
    PUBLIC_BASE,
    WORKFLOW_ID,
    FakeGateway,
    FakeTelephony,
    call_params,
    make_settings,
    sign,
)

STATUS = f"/twilio/status?workflow_id={WORKFLOW_ID}"
LIMIT = 2048


def _api(gateway: FakeGateway, **overrides: int) -> httpx.AsyncClient:
    app = create_app(
        make_settings(twilio_max_body_bytes=LIMIT, api_max_body_bytes=4 * LIMIT, **overrides),
        gateway,
        FakeTelephony(),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.internal")


async def _chunks(total: int, size: int = 512) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        sent += part
        yield b"a" * part


async def test_an_over_limit_body_with_content_length_is_413_before_the_signature_check() -> None:
    gateway = FakeGateway()
    async with _api(gateway) as http:
        padded = call_params(CallStatus="ringing", Padding="x" * LIMIT)
        # No signature at all: a 403 would mean the form was read and checked first.
        response = await http.post(STATUS, data=padded)
    assert response.status_code == 413
    assert str(LIMIT) in response.json()["detail"]
    assert gateway.signals == []


async def test_a_chunked_body_without_content_length_is_cut_off_at_the_limit() -> None:
    gateway = FakeGateway()
    async with _api(gateway) as http:
        request = http.build_request(
            "POST",
            STATUS,
            content=_chunks(LIMIT * 50),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
        )
        assert "content-length" not in request.headers
        response = await http.send(request)
    assert response.status_code == 413
    assert gateway.signals == []


async def test_a_lying_small_content_length_does_not_get_past_the_cap() -> None:
    """The count is of bytes received, not of what the header claims."""
    gateway = FakeGateway()
    async with _api(gateway) as http:
        request = http.build_request(
            "POST",
            STATUS,
            content=_chunks(LIMIT * 4),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "10"},
        )
        response = await http.send(request)
    assert response.status_code == 413


async def test_a_malformed_content_length_is_400() -> None:
    async with _api(FakeGateway()) as http:
        response = await http.post(STATUS, content=b"a=b", headers={"Content-Length": "ten"})
    assert response.status_code == 400


async def test_an_in_limit_webhook_still_works() -> None:
    gateway = FakeGateway()
    params = call_params(CallStatus="ringing", SequenceNumber="1")
    async with _api(gateway) as http:
        response = await http.post(
            STATUS, data=params, headers={"X-Twilio-Signature": sign(f"{PUBLIC_BASE}{STATUS}", params)}
        )
    assert response.status_code == 204
    assert len(gateway.of("call_status")) == 1


async def test_other_routes_have_their_own_larger_cap() -> None:
    async with _api(FakeGateway()) as http:
        fits = await http.post("/healthz", content=b"a" * (3 * LIMIT))
        over = await http.post("/healthz", content=b"a" * (5 * LIMIT))
    assert fits.status_code == 405  # got through to routing (healthz is GET only)
    assert over.status_code == 413


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(min_value=0, max_value=3 * LIMIT), chunk=st.integers(min_value=1, max_value=700))
async def test_the_cap_is_exact_for_any_chunking(size: int, chunk: int) -> None:
    async with _api(FakeGateway()) as http:
        request = http.build_request(
            "POST", STATUS, content=_chunks(size, chunk), headers={"X-Twilio-Signature": "x"}
        )
        response = await http.send(request)
    if size > LIMIT:
        assert response.status_code == 413
    else:
        assert response.status_code == 403  # read in full, then the (bad) signature refused it


@pytest.mark.parametrize("field", ["twilio_max_body_bytes", "api_max_body_bytes"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError):
        make_settings(**{field: 0})
