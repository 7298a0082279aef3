"""Fixtures for the telephony suite: settings, fakes for the gateway and the telephony adapter,
and a helper that signs webhooks exactly as Twilio does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from api.app import create_app
from domain.messages import CallStatusEvent, ConsentEvent, RecordingEvent, TransferLegResult
from settings import Settings

AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "a" * 32
PUBLIC_BASE = "https://voice.gyde.example/gyde"  # a proxy in front, with a path prefix
STREAM_SECRET = "stream-secret"
WORKFLOW_ID = "outreach:camp1:client1"
CALL_SID = "CA" + "1" * 32
CALLBACK_NUMBER = "+12025550199"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": SecretStr(AUTH_TOKEN),
        "public_base_url": PUBLIC_BASE,
        "media_stream_url": "wss://media.gyde.example/media",
        "stream_token_secret": SecretStr(STREAM_SECRET),
        "stream_token_ttl_seconds": 120,
        "caller_id": "+12025550100",
        "callback_number": CALLBACK_NUMBER,
        "ring_timeout_seconds": 30,
        "twilio_api_base": None,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class FakeGateway:
    """Records every signal the api sends (what the workflow would receive)."""

    signals: list[tuple[str, str, object]] = field(default_factory=list)
    fail_next: int = 0

    async def call_status(self, workflow_id: str, event: CallStatusEvent) -> None:
        self._record("call_status", workflow_id, event)

    async def consent(self, workflow_id: str, event: ConsentEvent) -> None:
        self._record("consent", workflow_id, event)

    async def recording(self, workflow_id: str, event: RecordingEvent) -> None:
        self._record("recording", workflow_id, event)

    async def transfer_result(self, workflow_id: str, event: TransferLegResult) -> None:
        self._record("transfer_result", workflow_id, event)

    def _record(self, name: str, workflow_id: str, event: object) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("temporal unavailable")
        self.signals.append((name, workflow_id, event))

    def of(self, name: str) -> list[Any]:
        return [event for signal, _, event in self.signals if signal == name]


@dataclass
class FakeTelephony:
    """Records the api's REST side effects (recording, voicemail redirect, hang-up)."""

    actions: list[tuple[str, ...]] = field(default_factory=list)
    order: list[str] | None = None

    async def place_call(self, request: Any, to_number: str) -> Any:
        raise AssertionError("the api never dials: dialling is the worker's place_call activity")

    async def hangup(self, call_sid: str) -> None:
        self.actions.append(("hangup", call_sid))

    async def transfer(
        self, call_sid: str, broker_number: str, whisper_url: str, workflow_id: str | None = None
    ) -> None:
        self.actions.append(("transfer", call_sid, broker_number, whisper_url))

    async def redirect(self, call_sid: str, twiml_url: str) -> None:
        self.actions.append(("redirect", call_sid, twiml_url))

    async def start_recording(self, call_sid: str, workflow_id: str | None = None) -> str:
        self.actions.append(("start_recording", call_sid, workflow_id or ""))
        return "RE" + "2" * 32

    async def delete_recording(self, recording_sid: str) -> None:
        self.actions.append(("delete_recording", recording_sid))


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


@dataclass
class Webhooks:
    """Posts to the in-process api as Twilio would reach it through the public URL."""

    http: httpx.AsyncClient

    async def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        signature: str | None = "auto",
        signed_url: str | None = None,
    ) -> httpx.Response:
        url = f"{PUBLIC_BASE}{path}"
        headers = {}
        if signature == "auto":
            headers["X-Twilio-Signature"] = sign(signed_url or url, params)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        # The proxy strips the /gyde prefix: the app sees only `path`.
        return await self.http.post(f"http://api.internal{path}", data=params, headers=headers)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def telephony() -> FakeTelephony:
    return FakeTelephony()


@pytest_asyncio.fixture
async def webhooks(gateway: FakeGateway, telephony: FakeTelephony) -> AsyncIterator[Webhooks]:
    app = create_app(make_settings(), gateway, telephony)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        yield Webhooks(http)


def call_params(**extra: str) -> dict[str, str]:
    params = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": CALL_SID,
        "From": "+12025550100",
        "To": "+12025550123",
        "CallStatus": "in-progress",
        "Direction": "outbound-api",
        "ApiVersion": "2010-04-01",
    }
    params.update(extra)
    return params
