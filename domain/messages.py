"""Dataclasses that cross the Temporal boundary: one in and one out of every workflow, activity,
signal, query and update. They carry ids and decisions only, never PHI (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.enums import (
    CallbackOwner,
    CallResult,
    CallStatus,
    ClientStage,
    Outcome,
    ProductType,
    RecordingStatus,
    Stage,
    TransferLegStatus,
)

# --- campaign -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallingWindow:
    """Local-time hours in which a client may be dialled (TCPA default 08:00-21:00)."""

    start_hour: int = 8
    end_hour: int = 21
    weekdays_only: bool = False


@dataclass(frozen=True)
class FrequencyCaps:
    """How often one client may be dialled: per local calendar day and ISO week across all
    campaigns, and in total per campaign. Checked by the dial-time compliance gate."""

    per_day: int = 3
    per_week: int = 6
    per_campaign: int = 6


@dataclass(frozen=True)
class RetryPolicySpec:
    """Backoff between unanswered attempts: base * multiplier**(attempt-1), capped."""

    base_minutes: float = 60
    multiplier: float = 2.0
    max_minutes: float = 24 * 60


@dataclass(frozen=True)
class CampaignSpec:
    campaign_id: str
    max_concurrent_calls: int = 10
    dials_per_minute: float = 30.0
    max_attempts: int = 3
    window: CallingWindow = field(default_factory=CallingWindow)
    retry: RetryPolicySpec = field(default_factory=RetryPolicySpec)
    page_size: int = 500
    products: tuple[ProductType, ...] = (ProductType.DENTAL, ProductType.VISION)
    caps: FrequencyCaps = field(default_factory=FrequencyCaps)
    # How often the campaign asks Temporal's visibility for clients that closed without an outcome.
    reconcile_seconds: float = 300.0


@dataclass
class CampaignCarry:
    """State carried across continue-as-new so a huge campaign keeps a small history."""

    cursor: str | None = None
    started: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failed_to_start: int = 0
    finished: int = 0
    paused: bool = False
    cancelled: bool = False
    page_number: int = 0
    queue: list[str] = field(default_factory=list)
    queue_seqs: dict[str, int] = field(default_factory=dict)
    in_call: list[str] = field(default_factory=list)
    exhausted: bool = False
    closed_unreported: list[str] = field(default_factory=list)


@dataclass
class CampaignInput:
    spec: CampaignSpec
    carry: CampaignCarry = field(default_factory=CampaignCarry)


@dataclass
class CampaignProgress:
    campaign_id: str
    started: int
    in_flight: int
    by_stage: dict[str, int]
    by_outcome: dict[str, int]
    paused: bool
    cancelled: bool
    pages_loaded: int


@dataclass
class CampaignSummary:
    campaign_id: str
    clients: int
    outcomes: dict[str, int]
    cancelled: bool


@dataclass(frozen=True)
class ClientPageRequest:
    campaign_id: str
    cursor: str | None
    limit: int


@dataclass(frozen=True)
class ClientRef:
    client_id: str
    broker_id: str


@dataclass(frozen=True)
class ClientPage:
    clients: list[ClientRef]
    next_cursor: str | None


# --- client outreach ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientTask:
    campaign_id: str
    client_id: str
    broker_id: str
    max_attempts: int = 3
    window: CallingWindow = field(default_factory=CallingWindow)
    retry: RetryPolicySpec = field(default_factory=RetryPolicySpec)
    ring_timeout_seconds: int = 60
    max_call_minutes: int = 30
    call_end_grace_seconds: int = 60
    products: tuple[ProductType, ...] = (ProductType.DENTAL, ProductType.VISION)
    caps: FrequencyCaps = field(default_factory=FrequencyCaps)


@dataclass(frozen=True)
class ScreeningRequest:
    campaign_id: str
    client_id: str
    products: tuple[ProductType, ...]


@dataclass(frozen=True)
class ScreeningResult:
    allowed: bool
    blocked_outcome: Outcome | None
    reason: str
    timezone: str
    attempts_so_far: int
    eligible_products: tuple[ProductType, ...]


@dataclass(frozen=True)
class DialGateDecision:
    """The compliance gate's verdict with the inputs it saw, kept in history as evidence.
    Not allowed with `retry_at`: wait and ask again; without: never dial in this campaign."""

    allowed: bool
    blocked_outcome: Outcome | None
    reason: str
    checks: dict[str, bool] = field(default_factory=dict)
    retry_at: datetime | None = None
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlaceCallRequest:
    """Dial attempt `attempt` once: the compliance gate is judged inside the dial, at its instant
    (`dialled_at` is the workflow's clock when it asked; the activity never judges earlier)."""

    workflow_id: str
    campaign_id: str
    client_id: str
    attempt: int
    idempotency_key: str
    dialled_at: datetime | None = None  # workflow time: frequency caps count on the same clock
    window: CallingWindow = field(default_factory=CallingWindow)
    caps: FrequencyCaps = field(default_factory=FrequencyCaps)


@dataclass(frozen=True)
class PlaceCallResult:
    """The call this attempt made (or adopted from an earlier try whose answer was lost), or no
    call because the gate said no at the moment of dialling (`gate` says why and until when)."""

    call_sid: str | None
    gate: DialGateDecision | None = None
    adopted: bool = False


@dataclass(frozen=True)
class AdoptCallRequest:
    """Follow the call a signed status callback reported for this attempt's key."""

    idempotency_key: str
    campaign_id: str
    client_id: str
    attempt: int
    call_sid: str


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
class TransferLegResult:
    """The broker leg's <Dial> result for a warm transfer."""

    call_sid: str
    status: TransferLegStatus


@dataclass(frozen=True)
class ConsentEvent:
    call_sid: str
    given: bool
    method: str = "speech"


@dataclass(frozen=True)
class StageChange:
    call_sid: str
    stage: Stage


@dataclass(frozen=True)
class CallEnded:
    """The media server's verdict on a conversation. `summary` is PHI-redacted."""

    call_sid: str
    result: CallResult
    summary: str = ""
    callback_at: datetime | None = None
    prompt_version: str = ""


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


@dataclass
class OutreachStatus:
    campaign_id: str
    client_id: str
    stage: ClientStage
    conversation_stage: Stage | None
    attempt: int
    last_event: str
    next_call_at: datetime | None
    outcome: Outcome | None
    call_sid: str | None
    as_of: datetime | None = None


@dataclass(frozen=True)
class OutreachResult:
    campaign_id: str
    client_id: str
    outcome: Outcome
    attempts: int
    appointment_id: str | None = None


# --- activities ---------------------------------------------------------------------------------


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
class RecordAttemptRequest:
    idempotency_key: str
    campaign_id: str
    client_id: str
    attempt: int
    call_sid: str | None
    status: str
    result: str


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
class HangupRequest:
    call_sid: str


# --- broker callback ----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class TransferAsk:
    """The caller asked for their broker (media server -> workflow update)."""

    call_sid: str


@dataclass(frozen=True)
class TransferDecision:
    transferring: bool
    reason: str
    next_free_slot: datetime | None = None


# --- campaign <-> client coordination (dial permits) --------------------------------------------


@dataclass(frozen=True)
class DialPermitRequest:
    """A client workflow asks its campaign for permission to dial (every attempt, retry, callback).
    `seq` numbers the client's requests so a late answer to a withdrawn one is never taken."""

    client_id: str
    seq: int = 0


@dataclass(frozen=True)
class DialPermitRelease:
    """The slot is given back: the call ended, or the request is withdrawn (window closed)."""

    client_id: str
    seq: int = 0


@dataclass(frozen=True)
class DialPermit:
    granted: bool
    reason: str = ""
    seq: int = 0


@dataclass(frozen=True)
class ClientFinished:
    client_id: str
    outcome: Outcome


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
class UnreportedClosesRequest:
    campaign_id: str


@dataclass(frozen=True)
class UnreportedCloses:
    """Clients whose outreach workflow closed without an outcome (failed, terminated, timed out)."""

    client_ids: list[str]


@dataclass(frozen=True)
class CampaignStartRequest:
    campaign_id: str


@dataclass(frozen=True)
class CampaignStartResult:
    campaign_id: str
    members: int


@dataclass(frozen=True)
class CallbackTimeChange:
    """A rescheduled broker callback: the callbacks row follows the workflow's new time."""

    callback_id: str
    callback_at: datetime
