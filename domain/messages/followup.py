"""Activity requests and results of the side effects around a call: booking, CRM, email, DNC, callbacks, transfer, recordings, broker callbacks."""

# No `from __future__ import annotations`: Temporal resolves these field types inside the workflow
# sandbox, where only `domain.messages` itself is a known module, so they must be real objects.
from dataclasses import dataclass
from datetime import datetime

from domain.enums import CallbackOwner, Outcome, ProductType


@dataclass(frozen=True)
class SlotCheckRequest:
    broker_id: str
    slot_start: datetime


@dataclass(frozen=True)
class SlotCheckResult:
    free: bool


@dataclass(frozen=True)
class BookingRequest:
    idempotency_key: str
    campaign_id: str
    client_id: str
    broker_id: str
    slot_start: datetime
    product: ProductType
    call_sid: str


@dataclass(frozen=True)
class CrmWriteRequest:
    idempotency_key: str
    campaign_id: str
    client_id: str
    outcome: Outcome
    note: str
    appointment_id: str | None = None


@dataclass(frozen=True)
class CrmWriteResult:
    record_id: str


@dataclass(frozen=True)
class EmailRequest:
    idempotency_key: str
    client_id: str
    template: str
    appointment_id: str | None = None
    callback_id: str | None = None
    broker_id: str | None = None


@dataclass(frozen=True)
class EmailResult:
    message_id: str


@dataclass(frozen=True)
class DncAddRequest:
    idempotency_key: str
    client_id: str
    campaign_id: str
    source: str


@dataclass(frozen=True)
class DncAddResult:
    added: bool


@dataclass(frozen=True)
class CallbackRecordRequest:
    idempotency_key: str
    campaign_id: str
    client_id: str
    broker_id: str
    callback_at: datetime
    owner: CallbackOwner


@dataclass(frozen=True)
class CallbackStatusRequest:
    callback_id: str
    status: str


@dataclass(frozen=True)
class StrayCallbacksRequest:
    """Close the callback rows one client run wrote (`key_prefix`: their idempotency keys' common
    start) that are still open, but for the ids in `keep`: rows the run no longer stands behind.
    `status`: "cancelled" after an opt-out, else "closed" (the run is over, nothing pending)."""

    key_prefix: str
    keep: list[str]
    status: str = "closed"


@dataclass(frozen=True)
class CallbackCancelled:
    """The client opted out: the broker's promised callback is off."""

    reason: str = "opted_out"


@dataclass(frozen=True)
class BrokerAvailabilityRequest:
    broker_id: str
    at: datetime


@dataclass(frozen=True)
class BrokerAvailabilityResult:
    available_now: bool
    next_free_slot: datetime | None


@dataclass(frozen=True)
class TransferRequest:
    idempotency_key: str
    call_sid: str
    broker_id: str
    client_id: str


@dataclass(frozen=True)
class TransferResult:
    connected: bool


@dataclass(frozen=True)
class FreeSlotsRequest:
    broker_id: str
    start: datetime
    days: int = 7


@dataclass(frozen=True)
class FreeSlots:
    broker_id: str
    slots: tuple[datetime, ...]


@dataclass(frozen=True)
class RecordingRegistration:
    """A recording to remember for retention (ids only; deleted at the carrier when due)."""

    recording_sid: str
    call_sid: str
    campaign_id: str
    client_id: str
    started_at: datetime


@dataclass(frozen=True)
class RecordingConsentRecord:
    """Recording consent given or refused on a call, for the consent ledger."""

    idempotency_key: str
    client_id: str
    campaign_id: str
    call_sid: str
    granted: bool
    method: str
    at: datetime


@dataclass(frozen=True)
class CallbackTimeChange:
    """A rescheduled broker callback: the callbacks row follows the workflow's new time."""

    callback_id: str
    callback_at: datetime


@dataclass(frozen=True)
class BrokerCallbackTask:
    callback_id: str
    campaign_id: str
    client_id: str
    broker_id: str
    callback_at: datetime
    remind_minutes_before: int = 30
    grace_minutes: int = 30


@dataclass(frozen=True)
class RescheduleRequest:
    callback_at: datetime


@dataclass(frozen=True)
class CallbackCompleted:
    note: str = ""


@dataclass(frozen=True)
class BrokerCallbackResult:
    callback_id: str
    status: str
    reschedules: int
