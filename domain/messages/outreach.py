"""One client's outreach workflow: its task and result, screening, the dial and the gate's verdict."""

# No `from __future__ import annotations`: Temporal resolves these field types inside the workflow
# sandbox, where only `domain.messages` itself is a known module, so they must be real objects.
from dataclasses import dataclass, field
from datetime import datetime

from domain.enums import ClientStage, Outcome, ProductType, Stage
from domain.messages.call_events import CallUsage
from domain.messages.campaign import CallingWindow, FrequencyCaps, RetryPolicySpec


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
class RecordAttemptRequest:
    idempotency_key: str
    campaign_id: str
    client_id: str
    attempt: int
    call_sid: str | None
    status: str
    result: str
    usage: CallUsage | None = None  # what the call consumed (the media server's report)
    duration_seconds: int = 0  # the carrier's call duration (telephony minutes)


@dataclass(frozen=True)
class HangupRequest:
    call_sid: str


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
