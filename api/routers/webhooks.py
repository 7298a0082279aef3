"""Twilio's asynchronous callbacks: call status, answering-machine detection and recording
status, each turned into a CallStatusEvent signal. Twilio retries and replays: a callback seen
before (same CallSid+CallStatus+SequenceNumber, or the same signed request) signals nothing."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from fastapi import APIRouter, HTTPException, Response

from adapters.telephony.base import CallNotFound, TelephonyError
from adapters.telephony.urls import AMD_PATH, RECORDING_PATH, STATUS_PATH
from api.deps import DeduperDep, GatewayDep, TelephonyDep, UrlsDep, WorkflowIdDep
from api.replay import EventDeduper
from api.routers._common import CALL_SID, RECORDING_SID, no_content, optional_int, require
from api.twilio_signature import VerifiedWebhook
from domain.enums import CallStatus, RecordingStatus
from domain.messages import CallStatusEvent, RecordingEvent

_logger = logging.getLogger("gyde.api.webhooks")
router = APIRouter(tags=["twilio-webhooks"])

TWILIO_CALL_STATUS = {
    "queued": CallStatus.INITIATED,
    "initiated": CallStatus.INITIATED,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.ANSWERED,
    "answered": CallStatus.ANSWERED,
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "no-answer": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.CANCELED,
}
HUMAN_ANSWERS = frozenset({"human", "unknown"})
MACHINE_ANSWERS = frozenset({"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other"})
FAX = "fax"


async def signal_once(deduper: EventDeduper, key: str, send: Callable[[], Awaitable[None]]) -> bool:
    """Signal unless this business key was already signalled; False when it was a duplicate."""
    if not deduper.first_time(key):
        _logger.info("duplicate callback ignored key=%s", key)
        return False
    try:
        await send()
    except BaseException:
        deduper.forget(key)  # let Twilio's retry try again
        raise
    return True


def _recording_start(raw: str) -> datetime | None:
    """Twilio's RecordingStartTime (RFC 2822); absent or unparsable: the workflow uses its clock."""
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.post(STATUS_PATH)
async def call_status(
    hook: VerifiedWebhook, workflow_id: WorkflowIdDep, gateway: GatewayDep, deduper: DeduperDep
) -> Response:
    call_sid = require(hook.params, "CallSid", CALL_SID)
    raw_status = require(hook.params, "CallStatus")
    status = TWILIO_CALL_STATUS.get(raw_status)
    if status is None:
        raise HTTPException(status_code=400, detail="unknown CallStatus")
    sequence = optional_int(hook.params, "SequenceNumber", 0)
    attempt = optional_int(hook.query, "call_attempt", 0)
    duration = hook.params.get("CallDuration", "")
    detail = f"duration={duration}" if duration else ""

    async def handle() -> Response:
        event = CallStatusEvent(
            call_sid=call_sid, status=status, sequence=sequence, detail=detail, attempt=attempt
        )
        key = f"status:{call_sid}:{raw_status}:{sequence}"
        await signal_once(deduper, key, lambda: gateway.call_status(workflow_id, event))
        return no_content()

    return await hook.once(handle)


@router.post(AMD_PATH)
async def amd_result(
    hook: VerifiedWebhook,
    workflow_id: WorkflowIdDep,
    gateway: GatewayDep,
    deduper: DeduperDep,
    telephony: TelephonyDep,
    urls: UrlsDep,
) -> Response:
    """Async AMD verdict. A machine gets the PHI-free voicemail (the call is redirected to it);
    a fax is hung up on; a human (or unknown) carries on with the conversation."""
    call_sid = require(hook.params, "CallSid", CALL_SID)
    answered_by = require(hook.params, "AnsweredBy")
    if answered_by in HUMAN_ANSWERS:
        status = CallStatus.HUMAN
    elif answered_by in MACHINE_ANSWERS or answered_by == FAX:
        status = CallStatus.MACHINE
    else:
        raise HTTPException(status_code=400, detail="unknown AnsweredBy")

    attempt = optional_int(hook.query, "call_attempt", 0)

    async def handle() -> Response:
        event = CallStatusEvent(
            call_sid=call_sid, status=status, sequence=0, detail=answered_by, attempt=attempt
        )
        first = await signal_once(deduper, f"amd:{call_sid}", lambda: gateway.call_status(workflow_id, event))
        if first and status is CallStatus.MACHINE:
            try:
                if answered_by == FAX:
                    await telephony.hangup(call_sid)
                else:
                    await telephony.redirect(call_sid, urls.voicemail(workflow_id))
            except CallNotFound:
                _logger.info("machine call %s ended before the voicemail drop", call_sid)
            except TelephonyError:
                _logger.warning("voicemail drop failed call=%s", call_sid)
        return no_content()

    return await hook.once(handle)


@router.post(RECORDING_PATH)
async def recording_status(
    hook: VerifiedWebhook, workflow_id: WorkflowIdDep, gateway: GatewayDep, deduper: DeduperDep
) -> Response:
    """Tells the workflow the recording sid (retention deletes it later) and its state."""
    call_sid = require(hook.params, "CallSid", CALL_SID)
    recording_sid = require(hook.params, "RecordingSid", RECORDING_SID)
    raw_status = require(hook.params, "RecordingStatus")
    try:
        rec_status = RecordingStatus(raw_status)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail="unknown RecordingStatus") from exc
    started_at = _recording_start(hook.params.get("RecordingStartTime", ""))

    async def handle() -> Response:
        event = RecordingEvent(call_sid, recording_sid, rec_status, started_at)
        key = f"recording:{call_sid}:{recording_sid}:{rec_status.value}"
        await signal_once(deduper, key, lambda: gateway.recording(workflow_id, event))
        return no_content()

    return await hook.once(handle)
