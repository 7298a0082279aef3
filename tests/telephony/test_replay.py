"""Webhook replay: the replay key is the content Twilio's signature covers (URL + sorted,
de-duplicated parameters), so reordering or repeating parameters of a captured request replays
it; and each webhook kind is deduped by its business key (consent, recording start and transfer
result per call), so even a differently signed second delivery returns the first response and
signals nothing."""

from __future__ import annotations

import asyncio
import random
from urllib.parse import urlencode

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from api.app import create_app
from api.twilio_signature import signed_content
from tests.telephony.conftest import (
    AUTH_TOKEN,
    CALL_SID,
    PUBLIC_BASE,
    WORKFLOW_ID,
    FakeGateway,
    FakeTelephony,
    call_params,
    make_settings,
    sign,
)

CONSENT = f"/twilio/voice/consent?workflow_id={WORKFLOW_ID}&attempt=1"
CONSENT_2 = f"/twilio/voice/consent?workflow_id={WORKFLOW_ID}&attempt=2"
TRANSFER = f"/twilio/voice/transfer-result?workflow_id={WORKFLOW_ID}"


class Multi(dict[str, list[str]]):
    """What RequestValidator reads repeated parameters from (a MultiDict-like getall)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def _sign_pairs(url: str, pairs: list[tuple[str, str]]) -> str:
    multi = Multi()
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return str(RequestValidator(AUTH_TOKEN).compute_signature(url, multi))


class Api:
    def __init__(self) -> None:
        self.gateway = FakeGateway()
        self.telephony = FakeTelephony()
        app = create_app(make_settings(), self.gateway, self.telephony)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.internal")

    async def post_pairs(self, path: str, pairs: list[tuple[str, str]], signature: str) -> httpx.Response:
        return await self.http.post(
            path,
            content=urlencode(pairs).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )

    async def post(self, path: str, params: dict[str, str]) -> httpx.Response:
        return await self.post_pairs(path, list(params.items()), sign(f"{PUBLIC_BASE}{path}", params))

    def recordings_started(self) -> int:
        return sum(1 for action in self.telephony.actions if action[0] == "start_recording")


async def test_a_reordered_consent_body_replays() -> None:
    api = Api()
    params = call_params(SpeechResult="yes")
    signature = sign(f"{PUBLIC_BASE}{CONSENT}", params)
    first = await api.post_pairs(CONSENT, list(params.items()), signature)
    reordered = await api.post_pairs(CONSENT, list(reversed(params.items())), signature)
    assert first.status_code == reordered.status_code == 200
    assert reordered.text == first.text  # the same stream token, which the media server uses once
    assert len(api.gateway.of("consent")) == 1 and api.recordings_started() == 1
    assert len(api.gateway.of("recording")) == 1


async def test_a_repeated_parameter_body_replays() -> None:
    api = Api()
    params = call_params(Digits="1")
    pairs = list(params.items())
    signature = sign(f"{PUBLIC_BASE}{CONSENT}", params)
    first = await api.post_pairs(CONSENT, pairs, signature)
    doubled = await api.post_pairs(CONSENT, pairs + [("Digits", "1"), ("CallSid", CALL_SID)], signature)
    assert doubled.status_code == 200 and doubled.text == first.text
    assert len(api.gateway.of("consent")) == 1 and api.recordings_started() == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), repeats=st.lists(st.integers(0, 6), max_size=6))
async def test_any_permutation_or_duplication_of_a_signed_body_is_one_consent(
    seed: int, repeats: list[int]
) -> None:
    api = Api()
    params = call_params(SpeechResult="sure", Confidence="0.92")
    signature = sign(f"{PUBLIC_BASE}{CONSENT}", params)
    pairs = list(params.items())
    first = await api.post_pairs(CONSENT, pairs, signature)
    shuffled = pairs + [pairs[i % len(pairs)] for i in repeats]
    random.Random(seed).shuffle(shuffled)
    again = await api.post_pairs(CONSENT, shuffled, signature)
    assert again.status_code == 200 and again.text == first.text
    assert len(api.gateway.of("consent")) == 1 and api.recordings_started() == 1


async def test_moving_text_across_a_parameter_boundary_is_still_the_same_signed_content() -> None:
    """Twilio's signature concatenates name+value pairs, so "Digits=1&From=+1..." and
    "Digits=1From+1..." sign alike. Keyed on that content, such a forgery is a replay."""
    api = Api()
    params = call_params(Digits="1")
    signature = sign(f"{PUBLIC_BASE}{CONSENT}", params)
    tail = "".join(f"{n}{params[n]}" for n in sorted(params) if n > "Digits")
    forged = {n: v for n, v in params.items() if n <= "Digits"}
    forged["Digits"] = "1" + tail
    assert sign(f"{PUBLIC_BASE}{CONSENT}", forged) == signature  # the SDK accepts it
    first = await api.post_pairs(CONSENT, list(params.items()), signature)
    second = await api.post_pairs(CONSENT, list(forged.items()), signature)
    assert second.status_code == 200 and second.text == first.text
    assert len(api.gateway.of("consent")) == 1


def test_signed_content_is_what_the_sdk_signs() -> None:
    url = f"{PUBLIC_BASE}{CONSENT}"
    pairs = [("b", "2"), ("a", "1"), ("b", "1"), ("a", "1")]
    multi = Multi()
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    assert signed_content(url, pairs) == url + "a1b1b2"
    import base64
    import hashlib
    import hmac

    mac = base64.b64encode(
        hmac.new(AUTH_TOKEN.encode(), signed_content(url, pairs).encode(), hashlib.sha1).digest()
    )
    assert mac.decode() == RequestValidator(AUTH_TOKEN).compute_signature(url, multi)


async def test_a_second_consent_delivery_for_the_call_returns_the_first_answer() -> None:
    """A differently signed delivery (another SpeechResult, a retry with a new timestamp): the
    call's consent was decided once; no second signal, recording or token."""
    api = Api()
    first = await api.post(CONSENT, call_params(SpeechResult="yes"))
    second = await api.post(CONSENT, call_params(SpeechResult="yes please", Timestamp="later"))
    third = await api.post(CONSENT_2, call_params(SpeechResult="no"))
    assert first.text == second.text == third.text
    assert [e.given for e in api.gateway.of("consent")] == [True]
    assert api.recordings_started() == 1 and len(api.gateway.of("recording")) == 1


async def test_concurrent_consent_deliveries_for_one_call_decide_once() -> None:
    api = Api()
    answers = ["yes", "no", "sure", "nope", "ok"]
    responses = await asyncio.gather(*(api.post(CONSENT, call_params(SpeechResult=a)) for a in answers))
    assert len({r.text for r in responses}) == 1
    assert len(api.gateway.of("consent")) == 1 and api.recordings_started() <= 1


async def test_the_reprompt_still_leads_to_a_decision() -> None:
    api = Api()
    reprompt = await api.post(CONSENT, call_params(SpeechResult="what?"))
    assert "<Gather" in reprompt.text and api.gateway.signals == []
    decided = await api.post(CONSENT_2, call_params(SpeechResult="yes"))
    assert "<Connect>" in decided.text
    assert [e.given for e in api.gateway.of("consent")] == [True]


async def test_another_call_gets_its_own_consent() -> None:
    api = Api()
    await api.post(CONSENT, call_params(SpeechResult="yes"))
    await api.post(CONSENT, call_params(SpeechResult="yes", CallSid="CA" + "9" * 32))
    assert len(api.gateway.of("consent")) == 2 and api.recordings_started() == 2


async def test_a_failed_consent_is_decided_again_on_retry_without_doubling_what_happened() -> None:
    """The recording signal failed after the consent signal and the recording start: Twilio's
    retry must finish the job (signal the recording) without a second consent or recording."""
    api = Api()
    calls = {"n": 0}
    original = api.gateway.recording

    async def flaky(workflow_id: str, event: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("temporal unavailable")
        await original(workflow_id, event)  # type: ignore[arg-type]

    api.gateway.recording = flaky  # type: ignore[method-assign]
    params = call_params(SpeechResult="yes")
    try:
        failed = await api.post(CONSENT, params)
        assert failed.status_code == 500
    except RuntimeError:
        pass  # ASGITransport re-raises: Twilio would have seen a 500 and retried
    retry = await api.post(CONSENT, params)
    assert retry.status_code == 200 and "<Connect>" in retry.text
    assert len(api.gateway.of("consent")) == 1
    assert api.recordings_started() == 1
    assert len(api.gateway.of("recording")) == 1


async def test_a_transfer_result_is_taken_once_per_call() -> None:
    api = Api()
    first = await api.post(TRANSFER, call_params(DialCallStatus="no-answer"))
    second = await api.post(TRANSFER, call_params(DialCallStatus="completed", DialCallDuration="30"))
    assert first.status_code == second.status_code == 200 and second.text == first.text
    assert len(api.gateway.of("transfer_result")) == 1


async def test_distinct_values_for_one_parameter_are_refused() -> None:
    """Twilio never sends them; which one a handler would read is undefined."""
    api = Api()
    pairs = [*call_params().items(), ("Digits", "1"), ("Digits", "2")]
    signature = _sign_pairs(f"{PUBLIC_BASE}{CONSENT}", pairs)
    response = await api.post_pairs(CONSENT, pairs, signature)
    assert response.status_code == 400 and "Digits" in response.json()["detail"]
    assert api.gateway.signals == []
