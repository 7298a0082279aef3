"""Telephony on the official twilio SDK (async API). Real Twilio or the local simulator is decided
solely by the SDK's HTTP client (adapters.telephony.http_client); there is no simulator branch."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import SecretStr
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from adapters.phone_numbers import normalize_e164
from adapters.telephony.base import CallNotFound, CarrierCall, TelephonyError, TelephonyRejected
from adapters.telephony.http_client import RewritingAsyncHttpClient
from adapters.telephony.urls import TwilioUrls
from domain.messages import PlaceCallRequest, PlaceCallResult
from domain.phone import InvalidPhoneNumber

_logger = logging.getLogger("gyde.telephony.twilio")

# Twilio error codes that mean "this number can never be dialled" (non-retryable).
INVALID_NUMBER_CODES = frozenset({13223, 13224, 21211, 21214, 21215, 21216, 21217, 21401, 21421, 21610})
# "Call is not in-progress" / not found: the call already ended.
CALL_GONE_CODES = frozenset({20404, 21220})
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
TRANSFER_RING_SECONDS = 20
# Carrier and worker clocks differ a little; a call created just before `since` still counts.
CLOCK_SKEW = timedelta(seconds=10)
FIND_LIMIT = 50


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    public_base_url: str
    caller_id: str
    ring_timeout_seconds: int = 30
    api_base: str | None = None


def _translate(exc: TwilioRestException, action: str) -> Exception:
    """Twilio's error into ours: invalid numbers and 4xx are final, the rest retryable."""
    if exc.code in INVALID_NUMBER_CODES:
        return InvalidPhoneNumber(f"twilio refused the number ({exc.code})")
    if exc.status == 404 or exc.code in CALL_GONE_CODES:
        return CallNotFound(f"{action}: call or recording not found ({exc.code})")
    if 400 <= exc.status < 500 and exc.status != 429:
        return TelephonyRejected(f"{action}: twilio rejected the request ({exc.status} {exc.code})")
    return TelephonyError(f"{action}: twilio error ({exc.status} {exc.code})")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _workflow_id_from(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("workflow_id")
    return values[0] if values else None


class TwilioTelephony:
    """Implements adapters.telephony.base.Telephony."""

    def __init__(self, client: Client, config: TwilioConfig) -> None:
        if not client.http_client.is_async:
            raise ValueError("TwilioTelephony needs the SDK's async HTTP client")
        self._client = client
        self._config = config
        self._urls = TwilioUrls(config.public_base_url)

    async def aclose(self) -> None:
        """Close the SDK's HTTP client (connection pool)."""
        close = getattr(self._client.http_client, "close", None)
        if close is not None:
            await close()

    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        to = normalize_e164(to_number)
        wid = request.workflow_id
        try:
            call = await self._client.calls.create_async(
                to=to,
                from_=self._config.caller_id,
                url=self._urls.answer(wid),
                method="POST",
                status_callback=self._urls.status(wid, request.attempt),
                status_callback_event=STATUS_EVENTS,
                status_callback_method="POST",
                machine_detection="DetectMessageEnd",
                async_amd="true",
                async_amd_status_callback=self._urls.amd(wid, request.attempt),
                async_amd_status_callback_method="POST",
                timeout=self._config.ring_timeout_seconds,
            )
        except TwilioRestException as exc:
            raise _translate(exc, "place_call") from exc
        except httpx.TransportError as exc:
            # The request may have reached Twilio: the caller looks for the call before retrying.
            raise TelephonyError(f"place_call: no answer from twilio ({type(exc).__name__})") from exc
        if not call.sid:
            raise TelephonyError("place_call: twilio returned no call sid")
        _logger.info("call placed workflow=%s attempt=%s sid=%s", wid, request.attempt, call.sid)
        return PlaceCallResult(call_sid=call.sid)

    async def find_calls(self, to_number: str, since: datetime) -> list[CarrierCall]:
        """Newest calls to the number from our caller id (Twilio lists newest first; its time
        filters are whole days and skip calls not yet started), filtered here by creation time."""
        to = normalize_e164(to_number)
        try:
            calls = await self._client.calls.list_async(to=to, from_=self._config.caller_id, limit=FIND_LIMIT)
        except TwilioRestException as exc:
            raise _translate(exc, "find_calls") from exc
        except httpx.TransportError as exc:
            raise TelephonyError(f"find_calls: no answer from twilio ({type(exc).__name__})") from exc
        earliest = since - CLOCK_SKEW
        found = [
            CarrierCall(str(c.sid), str(c.status or ""), _aware(c.date_created))
            for c in calls
            if c.sid and c.date_created is not None and _aware(c.date_created) >= earliest
        ]
        return sorted(found, key=lambda c: (c.created_at, c.sid))

    async def hangup(self, call_sid: str) -> None:
        """Idempotent: hanging up a call that already ended is not an error."""
        try:
            await self._client.calls(call_sid).update_async(status="completed")
        except TwilioRestException as exc:
            err = _translate(exc, "hangup")
            if isinstance(err, CallNotFound):
                return
            raise err from exc

    async def redirect(self, call_sid: str, twiml_url: str) -> None:
        try:
            await self._client.calls(call_sid).update_async(url=twiml_url, method="POST")
        except TwilioRestException as exc:
            raise _translate(exc, "redirect") from exc

    async def transfer(
        self, call_sid: str, broker_number: str, whisper_url: str, workflow_id: str | None = None
    ) -> None:
        wid = workflow_id or _workflow_id_from(whisper_url)
        if not wid:
            raise ValueError("transfer needs a workflow_id (argument or whisper URL query)")
        broker = normalize_e164(broker_number)
        response = VoiceResponse()
        response.say("Please hold while I connect you to your broker.")
        dial = response.dial(
            action=self._urls.transfer_result(wid),
            method="POST",
            timeout=TRANSFER_RING_SECONDS,
            caller_id=self._config.caller_id,
        )
        dial.number(broker, url=whisper_url, method="POST")
        try:
            await self._client.calls(call_sid).update_async(twiml=str(response))
        except TwilioRestException as exc:
            raise _translate(exc, "transfer") from exc

    async def start_recording(self, call_sid: str, workflow_id: str | None = None) -> str:
        kwargs: dict[str, object] = {"recording_channels": "dual"}
        if workflow_id:
            kwargs["recording_status_callback"] = self._urls.recording(workflow_id)
            kwargs["recording_status_callback_event"] = ["in-progress", "completed", "absent"]
            kwargs["recording_status_callback_method"] = "POST"
        try:
            recording = await self._client.calls(call_sid).recordings.create_async(**kwargs)
        except TwilioRestException as exc:
            raise _translate(exc, "start_recording") from exc
        if not recording.sid:
            raise TelephonyError("start_recording: twilio returned no recording sid")
        return str(recording.sid)

    async def delete_recording(self, recording_sid: str) -> None:
        """Idempotent: a recording that is already gone counts as deleted."""
        try:
            await self._client.recordings(recording_sid).delete_async()
        except TwilioRestException as exc:
            err = _translate(exc, "delete_recording")
            if isinstance(err, CallNotFound):
                return
            raise err from exc


def build_twilio_telephony(
    config: TwilioConfig, http_client: RewritingAsyncHttpClient | None = None
) -> TwilioTelephony:
    """Composition root helper: the SDK client on our async HTTP hook."""
    http = http_client or RewritingAsyncHttpClient(config.api_base)
    client = Client(config.account_sid, config.auth_token, http_client=http)
    return TwilioTelephony(client, config)


class TwilioSettings(Protocol):
    """The fields of settings.Settings this adapter reads (adapters do not import settings)."""

    twilio_account_sid: str
    twilio_auth_token: SecretStr
    public_base_url: str
    caller_id: str
    ring_timeout_seconds: int
    twilio_api_base: str | None


def config_from_settings(settings: TwilioSettings) -> TwilioConfig:
    return TwilioConfig(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        public_base_url=settings.public_base_url,
        caller_id=settings.caller_id,
        ring_timeout_seconds=settings.ring_timeout_seconds,
        api_base=settings.twilio_api_base,
    )
