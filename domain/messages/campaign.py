"""Campaign messages: its spec and carried state, paging, progress, and the dial-permit contract between a campaign and its clients (workflows/dial_permits.py)."""

# No `from __future__ import annotations`: Temporal resolves these field types inside the workflow
# sandbox, where only `domain.messages` itself is a known module, so they must be real objects.
from dataclasses import dataclass, field

from domain.enums import Outcome, ProductType


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
class CircuitBreakers:
    """When a campaign pauses itself: over its last `window_calls` calls (once at least
    `min_calls` ended), a share of opt-outs, errors (failed or dropped calls) or voicemails above
    these limits pauses dialling until an operator resumes. `enabled=False` never pauses."""

    enabled: bool = True
    window_calls: int = 20
    min_calls: int = 10
    max_opt_out_rate: float = 0.3
    max_error_rate: float = 0.5
    max_voicemail_rate: float = 0.9


@dataclass(frozen=True)
class CampaignLimits:
    """A live change of a running campaign's pace (the `throttle` update); None keeps a value."""

    max_concurrent_calls: int | None = None
    dials_per_minute: float | None = None


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
    breakers: CircuitBreakers = field(default_factory=CircuitBreakers)


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
    recent_calls: list[str] = field(default_factory=list)  # the last calls' results (breakers)
    paused_because: str = ""  # why a breaker paused the campaign ("" = an operator or nobody)


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
    paused_because: str = ""
    max_concurrent_calls: int = 0
    dials_per_minute: float = 0.0


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
class DialPermitRequest:
    """A client workflow asks its campaign for permission to dial (every attempt, retry, callback).
    `seq` numbers the client's requests so a late answer to a withdrawn one is never taken."""

    client_id: str
    seq: int = 0
    callback: bool = False  # a callback the client asked for: served before first tries


@dataclass(frozen=True)
class DialPermitRelease:
    """The slot is given back: the call ended (`call_result` says how: the campaign's circuit
    breakers count it), or the request is withdrawn (window closed; no result)."""

    client_id: str
    seq: int = 0
    call_result: str = ""


@dataclass(frozen=True)
class DialPermit:
    granted: bool
    reason: str = ""
    seq: int = 0


@dataclass(frozen=True)
class ClientFinished:
    client_id: str
    outcome: Outcome
    # How the client's last call ended, when the report also gives back its dial slot (the
    # lean lifecycle sends no release of its own for the last call): feeds the breakers.
    call_result: str = ""
