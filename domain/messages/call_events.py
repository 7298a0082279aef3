"""What telephony and the media server tell a client workflow during a call (signals) and what they ask of it (updates), with the answers."""

# No `from __future__ import annotations`: Temporal resolves these field types inside the workflow
# sandbox, where only `domain.messages` itself is a known module, so they must be real objects.
from dataclasses import dataclass
from datetime import datetime

from domain.enums import (
    CallbackOwner,
    CallResult,
    CallStatus,
    ProductType,
    RecordingStatus,
    Stage,
    TransferLegStatus,
)


@dataclass(frozen=True)
class CallStatusEvent:
    """A Twilio status or AMD callback turned into a signal. `attempt` is the dial attempt the
    callback URL was issued for (0: unknown), so a call whose create-answer was lost is still
    recognised as this workflow's own."""

    call_sid: str
    status: CallStatus
    sequence: int = 0
    detail: str = ""
    attempt: int = 0


@dataclass(frozen=True)
class RecordingEvent:
    """A recording Twilio reports (start answer or status callback): registered for retention."""

    call_sid: str
    recording_sid: str
    status: RecordingStatus
    started_at: datetime | None = None


@dataclass(frozen=True)
class TransferLegResult:
    """The broker leg's <Dial> result for a warm transfer."""

    call_sid: str
    status: TransferLegStatus


CONSENT_UNCLEAR = "unclear"  # ConsentEvent.method of a refusal that was no clear yes or no


@dataclass(frozen=True)
class ConsentEvent:
    """`method`: "dtmf", "speech" (a clear answer) or CONSENT_UNCLEAR (silence or neither)."""

    call_sid: str
    given: bool
    method: str = "speech"


@dataclass(frozen=True)
class StageChange:
    call_sid: str
    stage: Stage


@dataclass(frozen=True)
class CallUsage:
    """What one call consumed, by provider kind (ids and counts only): the basis of cost per
    call, per booking and per opt-out. Telephony minutes come from the carrier's call duration."""

    stt_audio_seconds: float = 0.0
    llm_input_tokens: int = 0
    llm_output_tokens: int = 0
    tts_characters: int = 0
    stt_provider: str = ""
    llm_provider: str = ""
    tts_provider: str = ""


@dataclass(frozen=True)
class CallEnded:
    """The media server's verdict on a conversation. `summary` is PHI-redacted. `last_stage`:
    the conversation stage the call ended in (stage signals are coalesced, so the last change
    may have travelled only here)."""

    call_sid: str
    result: CallResult
    summary: str = ""
    callback_at: datetime | None = None
    prompt_version: str = ""
    usage: CallUsage | None = None
    last_stage: Stage | None = None


@dataclass(frozen=True)
class OptOutRequest:
    call_sid: str
    source: str = "caller"


@dataclass(frozen=True)
class BookAppointmentRequest:
    call_sid: str
    slot_start: datetime
    product: ProductType = ProductType.DENTAL


@dataclass(frozen=True)
class BookingConfirmation:
    appointment_id: str
    broker_id: str
    slot_start: datetime
    confirmation_code: str


@dataclass(frozen=True)
class CallbackRequest:
    call_sid: str
    callback_at: datetime
    owner: CallbackOwner = CallbackOwner.AI


@dataclass(frozen=True)
class CallbackConfirmation:
    callback_id: str
    callback_at: datetime
    owner: CallbackOwner


@dataclass(frozen=True)
class TransferAsk:
    """The caller asked for their broker (media server -> workflow update)."""

    call_sid: str


@dataclass(frozen=True)
class TransferDecision:
    transferring: bool
    reason: str
    next_free_slot: datetime | None = None
