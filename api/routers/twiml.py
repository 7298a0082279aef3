"""TwiML Twilio fetches during a call: answer (disclosure + consent), consent action, voicemail
drop, broker whisper, and the warm-transfer result. Each is signature-checked and replay-safe;
consent and the transfer result are also decided once per call (api/replay.py): any later
delivery for that call, however signed, gets the first answer and signals nothing."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Response

from adapters.telephony.base import TelephonyError
from adapters.telephony.urls import (
    ANSWER_PATH,
    CONSENT_PATH,
    TRANSFER_RESULT_PATH,
    VOICEMAIL_PATH,
    WHISPER_PATH,
)
from api.consent import ConsentAnswer, classify_consent
from api.deps import (
    CallOnceDep,
    DeduperDep,
    GatewayDep,
    MinterDep,
    SettingsDep,
    TelephonyDep,
    UrlsDep,
    WorkflowIdDep,
)
from api.routers._common import CALL_SID, optional_int, require, xml
from api.routers.webhooks import signal_once
from api.twilio_signature import VerifiedWebhook
from api.twiml_builders import (
    MAX_CONSENT_ATTEMPTS,
    TRANSFER_FAILED,
    answer_twiml,
    goodbye_twiml,
    hangup_twiml,
    reprompt_twiml,
    stream_twiml,
    voicemail_twiml,
    whisper_twiml,
)
from domain.enums import RecordingStatus, TransferLegStatus
from domain.messages import CONSENT_UNCLEAR, ConsentEvent, RecordingEvent, TransferLegResult

_logger = logging.getLogger("gyde.api.twiml")
router = APIRouter(tags=["twilio-twiml"])

TRANSFER_DIAL_STATUS = {
    "completed": TransferLegStatus.COMPLETED,
    "answered": TransferLegStatus.COMPLETED,
    "busy": TransferLegStatus.BUSY,
    "no-answer": TransferLegStatus.NO_ANSWER,
    "failed": TransferLegStatus.FAILED,
    "canceled": TransferLegStatus.CANCELED,
}


@router.post(ANSWER_PATH)
async def answer(hook: VerifiedWebhook, workflow_id: WorkflowIdDep, urls: UrlsDep) -> Response:
    require(hook.params, "CallSid", CALL_SID)

    async def handle() -> Response:
        return xml(answer_twiml(urls, workflow_id))

    return await hook.once(handle)


@router.post(CONSENT_PATH)
async def consent(
    hook: VerifiedWebhook,
    workflow_id: WorkflowIdDep,
    urls: UrlsDep,
    settings: SettingsDep,
    gateway: GatewayDep,
    telephony: TelephonyDep,
    mint_stream_token: MinterDep,
    call_once: CallOnceDep,
    deduper: DeduperDep,
) -> Response:
    call_sid = require(hook.params, "CallSid", CALL_SID)
    attempt = max(1, optional_int(hook.query, "attempt", 1))
    digits = hook.params.get("Digits") or None
    answer = classify_consent(hook.params.get("SpeechResult"), digits)
    decided = f"consent:{call_sid}"

    async def start_recording() -> str | None:
        try:  # only now, after consent, does recording start
            return await telephony.start_recording(call_sid, workflow_id)
        except TelephonyError:
            _logger.warning("recording failed to start call=%s; continuing unrecorded", call_sid)
            return None

    async def decide() -> Response:
        method = "dtmf" if digits else "speech"
        if answer is ConsentAnswer.YES:
            event = ConsentEvent(call_sid=call_sid, given=True, method=method)
            await signal_once(
                deduper, f"consent-signal:{call_sid}", lambda: gateway.consent(workflow_id, event)
            )
            recording_sid = await call_once.recordings.once(f"recording-start:{call_sid}", start_recording)
            if recording_sid:  # registered for retention at once, whatever its callbacks do later
                started = RecordingEvent(call_sid, recording_sid, RecordingStatus.IN_PROGRESS)
                await signal_once(
                    deduper,
                    f"recording:{call_sid}:{recording_sid}:{RecordingStatus.IN_PROGRESS.value}",
                    lambda: gateway.recording(workflow_id, started),
                )
            token = mint_stream_token(
                settings.stream_token_secret.get_secret_value(),
                workflow_id,
                call_sid,
                settings.stream_token_ttl_seconds,
            )
            return xml(stream_twiml(settings.media_stream_url, workflow_id, token))
        if answer is ConsentAnswer.UNCLEAR:
            method = CONSENT_UNCLEAR
        event = ConsentEvent(call_sid=call_sid, given=False, method=method)
        await signal_once(deduper, f"consent-signal:{call_sid}", lambda: gateway.consent(workflow_id, event))
        return xml(goodbye_twiml())

    async def handle() -> Response:
        if (
            answer is ConsentAnswer.UNCLEAR
            and attempt < MAX_CONSENT_ATTEMPTS
            and not call_once.responses.seen(decided)
        ):
            return xml(reprompt_twiml(urls, workflow_id, attempt + 1))
        return await call_once.responses.once(decided, decide)

    return await hook.once(handle)


@router.post(VOICEMAIL_PATH)
async def voicemail(hook: VerifiedWebhook, workflow_id: WorkflowIdDep, settings: SettingsDep) -> Response:
    async def handle() -> Response:
        return xml(voicemail_twiml(settings.callback_number))

    return await hook.once(handle)


@router.post(WHISPER_PATH)
async def whisper(hook: VerifiedWebhook, workflow_id: WorkflowIdDep) -> Response:
    async def handle() -> Response:
        return xml(whisper_twiml())

    return await hook.once(handle)


@router.post(TRANSFER_RESULT_PATH)
async def transfer_result(
    hook: VerifiedWebhook, workflow_id: WorkflowIdDep, gateway: GatewayDep, call_once: CallOnceDep
) -> Response:
    """<Dial> ended: bridged (the call is over) or the broker never answered (tell the client;
    the workflow books the broker callback when the leg was not bridged). Once per call."""
    call_sid = require(hook.params, "CallSid", CALL_SID)
    dial_status = require(hook.params, "DialCallStatus")
    status = TRANSFER_DIAL_STATUS.get(dial_status)
    if status is None:
        raise HTTPException(status_code=400, detail="unknown DialCallStatus")

    async def decide() -> Response:
        await gateway.transfer_result(workflow_id, TransferLegResult(call_sid=call_sid, status=status))
        if status.bridged:
            return xml(hangup_twiml())
        return xml(goodbye_twiml(TRANSFER_FAILED))

    async def handle() -> Response:
        return await call_once.responses.once(f"transfer:{call_sid}", decide)

    return await hook.once(handle)
