"""Status, AMD and recording callbacks become CallStatusEvent signals; duplicates change nothing;
malformed callbacks get a clear 400."""

from __future__ import annotations

import pytest

from domain.enums import CallStatus, RecordingStatus
from domain.messages import CallStatusEvent, RecordingEvent
from tests.telephony.conftest import (
    CALL_SID,
    PUBLIC_BASE,
    WORKFLOW_ID,
    FakeGateway,
    FakeTelephony,
    Webhooks,
    call_params,
)

STATUS = f"/twilio/status?workflow_id={WORKFLOW_ID}"
AMD = f"/twilio/amd?workflow_id={WORKFLOW_ID}"
RECORDING = f"/twilio/recording?workflow_id={WORKFLOW_ID}"
RECORDING_SID = "RE" + "4" * 32


@pytest.mark.parametrize(
    ("twilio_status", "expected"),
    [
        ("initiated", CallStatus.INITIATED),
        ("ringing", CallStatus.RINGING),
        ("in-progress", CallStatus.ANSWERED),
        ("completed", CallStatus.COMPLETED),
        ("busy", CallStatus.BUSY),
        ("no-answer", CallStatus.NO_ANSWER),
        ("failed", CallStatus.FAILED),
        ("canceled", CallStatus.CANCELED),
    ],
)
async def test_each_status_reaches_the_workflow(
    webhooks: Webhooks, gateway: FakeGateway, twilio_status: str, expected: CallStatus
) -> None:
    response = await webhooks.post(STATUS, call_params(CallStatus=twilio_status, SequenceNumber="4"))
    assert response.status_code == 204
    assert gateway.signals == [
        ("call_status", WORKFLOW_ID, CallStatusEvent(call_sid=CALL_SID, status=expected, sequence=4))
    ]


async def test_completed_carries_the_duration(webhooks: Webhooks, gateway: FakeGateway) -> None:
    await webhooks.post(STATUS, call_params(CallStatus="completed", SequenceNumber="3", CallDuration="42"))
    [event] = gateway.of("call_status")
    assert event.detail == "duration=42"


async def test_a_redelivered_status_with_a_new_signature_signals_once(
    webhooks: Webhooks, gateway: FakeGateway
) -> None:
    """Twilio's retry may differ in Timestamp (so in signature); CallSid+CallStatus+Sequence dedupe."""
    await webhooks.post(STATUS, call_params(CallStatus="ringing", SequenceNumber="1", Timestamp="a"))
    await webhooks.post(STATUS, call_params(CallStatus="ringing", SequenceNumber="1", Timestamp="b"))
    await webhooks.post(STATUS, call_params(CallStatus="ringing", SequenceNumber="2", Timestamp="c"))
    assert [e.sequence for e in gateway.of("call_status")] == [1, 2]


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        (STATUS, call_params(CallSid="", CallStatus="ringing"), "CallSid"),
        (STATUS, call_params(CallSid="CA-not-a-sid", CallStatus="ringing"), "CallSid"),
        (STATUS, call_params(CallStatus="exploded"), "CallStatus"),
        (STATUS, call_params(CallStatus="ringing", SequenceNumber="x"), "SequenceNumber"),
        ("/twilio/status", call_params(CallStatus="ringing"), "workflow_id"),
        ("/twilio/status?workflow_id=campaign:1", call_params(CallStatus="ringing"), "workflow_id"),
        (AMD, call_params(AnsweredBy="robot"), "AnsweredBy"),
        (AMD, call_params(), "AnsweredBy"),
        (RECORDING, call_params(RecordingSid="RE1", RecordingStatus="completed"), "RecordingSid"),
        (RECORDING, call_params(RecordingSid=RECORDING_SID, RecordingStatus="lost"), "RecordingStatus"),
    ],
)
async def test_malformed_callbacks_get_a_clear_400_and_signal_nothing(
    webhooks: Webhooks, gateway: FakeGateway, path: str, params: dict[str, str], detail: str
) -> None:
    response = await webhooks.post(path, params)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert gateway.signals == []


async def test_amd_human_signals_and_leaves_the_call_alone(
    webhooks: Webhooks, gateway: FakeGateway, telephony: FakeTelephony
) -> None:
    await webhooks.post(AMD, call_params(AnsweredBy="human", MachineDetectionDuration="900"))
    assert gateway.of("call_status") == [
        CallStatusEvent(call_sid=CALL_SID, status=CallStatus.HUMAN, detail="human")
    ]
    assert telephony.actions == []


async def test_amd_machine_signals_and_redirects_to_the_voicemail_once(
    webhooks: Webhooks, gateway: FakeGateway, telephony: FakeTelephony
) -> None:
    await webhooks.post(AMD, call_params(AnsweredBy="machine_end_beep"))
    await webhooks.post(AMD, call_params(AnsweredBy="machine_end_beep", MachineDetectionDuration="1"))
    assert [e.status for e in gateway.of("call_status")] == [CallStatus.MACHINE]
    assert telephony.actions == [
        ("redirect", CALL_SID, f"{PUBLIC_BASE}/twilio/voice/voicemail?workflow_id=outreach%3Acamp1%3Aclient1")
    ]


async def test_amd_fax_hangs_up(webhooks: Webhooks, gateway: FakeGateway, telephony: FakeTelephony) -> None:
    await webhooks.post(AMD, call_params(AnsweredBy="fax"))
    assert telephony.actions == [("hangup", CALL_SID)]
    assert gateway.of("call_status")[0].detail == "fax"


async def test_recording_status_tells_the_workflow_the_recording_sid(
    webhooks: Webhooks, gateway: FakeGateway
) -> None:
    params = call_params(RecordingSid=RECORDING_SID, RecordingStatus="completed", RecordingDuration="30")
    await webhooks.post(RECORDING, params)
    await webhooks.post(RECORDING, params | {"RecordingDuration": "31"})  # redelivery, new signature
    [event] = gateway.of("recording")
    assert event == RecordingEvent(CALL_SID, RECORDING_SID, RecordingStatus.COMPLETED, None)
    assert gateway.of("call_status") == []
