"""Everything a client's outreach workflow knows, in one dataclass, and the pure rules that apply
signals and judge updates against it. No Temporal API here: `workflows/outreach.py` holds the
handlers and passes `now` in, so every rule is unit-testable without a server."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.enums import CallbackOwner, CallResult, CallStatus, ClientStage, Outcome, Stage
from domain.messages import (
    CONSENT_UNCLEAR,
    BookAppointmentRequest,
    BookingConfirmation,
    CallbackConfirmation,
    CallbackRequest,
    CallEnded,
    CallStatusEvent,
    ClientTask,
    ConsentEvent,
    DialPermit,
    TransferAsk,
)

FINAL_STATUSES = frozenset(
    {CallStatus.COMPLETED, CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.FAILED, CallStatus.CANCELED}
)
MAX_CALLBACK_AHEAD = timedelta(days=30)


@dataclass
class CallState:
    """What the signals told us about one carrier call of ours (keyed by call sid).

    `attempt` is the dial attempt that created it; `followed` marks the one call per attempt the
    workflow follows. Any other live call of ours is a stray (a retry after a lost answer, a
    duplicate create) and is hung up."""

    attempt: int
    statuses: list[CallStatus] = field(default_factory=list)
    answered: bool = False
    machine: bool = False
    consent: bool | None = None
    # A refusal without a clear answer (silence, or words that were neither yes nor no): a
    # machine's greeting reaches the consent prompt this way when AMD's verdict trails it.
    consent_unclear: bool = False
    ended: CallEnded | None = None
    final_status: CallStatus | None = None
    followed: bool = False
    hangup_requested: bool = False
    duration_seconds: int = 0  # the carrier's, from the completed status callback

    @property
    def live(self) -> bool:
        return self.ended is None and self.final_status is None

    @property
    def machine_met_consent(self) -> bool:
        """A machine took the call and its greeting ended the consent prompt with no clear answer."""
        return self.machine and self.consent is False and self.consent_unclear


@dataclass(frozen=True)
class CallVerdict:
    """What one attempt amounted to: a conversation result or a telephony outcome."""

    result: CallResult | None = None
    unanswered: Outcome | None = None


@dataclass
class OutreachState:
    """One client's outreach: calls, follow-up, transfer and progress. Mutated only by the
    workflow's handlers and by `next_step` (workflows/outreach_steps.py)."""

    task: ClientTask
    timezone: str = "America/New_York"
    # progress
    stage: ClientStage = ClientStage.SCREENING
    conversation_stage: Stage | None = None
    last_event: str = "started"
    attempt: int = 0  # dials that reached the carrier (or may have), this campaign
    unanswered: int = 0  # attempts that count towards max_attempts
    last_outcome: Outcome = Outcome.NO_ANSWER
    not_before: datetime | None = None
    next_call_at: datetime | None = None
    outcome: Outcome | None = None
    # calls
    calls: dict[str, CallState] = field(default_factory=dict)
    call_sid: str | None = None  # the call being (or last) followed
    dialling_attempt: int = 0  # the attempt whose place_call is in flight (0: none)
    dial_tries: int = 0  # place_call executions for the dialling attempt
    verdict: CallVerdict | None = None  # the last call's verdict while its follow-up runs
    free_slots: list[datetime] = field(default_factory=list)
    # campaign coordination
    permit_seq: int = 0
    permit: DialPermit | None = None
    stopped: bool = False
    # outcomes in the making
    opted_out: bool = False
    dnc_added: bool = False
    booking: BookingConfirmation | None = None
    booking_in_flight: bool = False
    callback: CallbackConfirmation | None = None
    callback_in_flight: bool = False
    pending_callback_at: datetime | None = None
    callback_seq: int = 0
    callback_due: bool = False  # the next dial is a callback the client asked for (dials first)
    ai_callbacks: int = 0
    # The broker's callback workflow this run started and the callback row it owns.
    broker_callback_workflow_id: str | None = None
    broker_callback_id: str | None = None
    transfer_in_flight: bool = False
    transferring: bool = False
    transfer_settled: bool = False
    recordings: set[str] = field(default_factory=set)
    consents_recorded: set[str] = field(default_factory=set)

    # --- signals -----------------------------------------------------------------------------

    def own_call(self, call_sid: str, attempt: int = 0, *, create: bool = True) -> CallState | None:
        """The call if it is ours: placed (or adopted) by this workflow, reported by a signed
        status callback for one of our attempts (`attempt` comes from the callback URL we
        issued), or reported while our dial is in flight (its answer may arrive after the call's
        first events). Anything else is not ours and changes nothing. `create=False` (update
        validators, which must not change state) only looks."""
        state = self.calls.get(call_sid)
        if state is not None:
            return state
        if 0 < attempt <= max(self.attempt, self.dialling_attempt):
            state = CallState(attempt=attempt)
        elif attempt == 0 and self.dialling_attempt:
            state = CallState(attempt=self.dialling_attempt)
        if state is not None and create:
            self.calls[call_sid] = state
        return state

    def on_call_status(self, event: CallStatusEvent) -> str | None:
        """Apply a status/AMD callback. Returns a call sid to hang up (a live call of ours that
        this workflow does not follow), or None."""
        state = self.own_call(event.call_sid, event.attempt)
        if state is None:
            self.last_event = "status for an unknown call ignored"
            return None
        state.statuses.append(event.status)
        if event.status in (CallStatus.ANSWERED, CallStatus.HUMAN):
            state.answered = True
        elif event.status is CallStatus.MACHINE:
            state.answered = True
            state.machine = True
        elif event.status in FINAL_STATUSES:
            state.final_status = event.status
        if event.detail.startswith("duration="):
            state.duration_seconds = _int(event.detail.removeprefix("duration="))
        self.last_event = f"call {event.status.value}"
        return self.stray_to_hang_up(event.call_sid)

    def stray_to_hang_up(self, call_sid: str) -> str | None:
        """A live call of ours that is not the one followed for its attempt, and not the attempt
        whose dial is still in flight (its sid may be the one place_call is about to return)."""
        state = self.calls.get(call_sid)
        if state is None or state.followed or not state.live or state.hangup_requested:
            return None
        if state.attempt == self.dialling_attempt:
            return None
        state.hangup_requested = True
        return call_sid

    def on_consent(self, event: ConsentEvent) -> bool:
        """True when the event is for a call of ours (and was applied)."""
        state = self.own_call(event.call_sid)
        if state is None:
            self.last_event = "consent for an unknown call ignored"
            return False
        state.consent = event.given
        state.consent_unclear = not event.given and event.method == CONSENT_UNCLEAR
        state.answered = True
        self.last_event = "consent given" if event.given else "consent denied"
        return True

    def on_stage(self, call_sid: str, stage: Stage) -> bool:
        if self.own_call(call_sid) is None:
            return False
        self.conversation_stage = stage
        self.last_event = f"conversation stage {stage.value}"
        return True

    def on_opt_out(self, call_sid: str, source: str) -> bool:
        """An opt-out from a call of ours, or one with no call (an operator, an inbound request)."""
        if call_sid and self.own_call(call_sid) is None:
            self.last_event = "opt-out for an unknown call ignored"
            return False
        self.opted_out = True
        self.last_event = f"opt-out ({source})"
        return True

    def on_call_ended(self, event: CallEnded) -> bool:
        state = self.own_call(event.call_sid)
        if state is None:
            self.last_event = "call end for an unknown call ignored"
            return False
        if state.ended is not None:
            return True  # a duplicate report; the first one stands
        state.ended = event
        if event.last_stage is not None:
            self.conversation_stage = event.last_stage
        self.last_event = f"conversation ended: {event.result.value}"
        if event.result is CallResult.OPTED_OUT:
            self.opted_out = True
        wants_later = event.result in (CallResult.CALLBACK_REQUESTED, CallResult.WRONG_PERSON)
        if wants_later and event.callback_at and self.callback is None:
            self.pending_callback_at = event.callback_at
        return True

    def on_permit(self, permit: DialPermit) -> None:
        """A permit answers the newest request only; a late answer to a withdrawn one is stale."""
        if permit.seq == self.permit_seq:
            self.permit = permit

    def adopt(self, call_sid: str, attempt: int) -> list[str]:
        """Follow `call_sid` for `attempt`; returns the other live calls of ours to hang up."""
        state = self.calls.setdefault(call_sid, CallState(attempt=attempt))
        state.attempt = attempt
        state.followed = True
        self.call_sid = call_sid
        self.dialling_attempt = 0
        strays = []
        for sid in list(self.calls):
            if sid != call_sid and (stray := self.stray_to_hang_up(sid)):
                strays.append(stray)
        return strays

    def reported_calls(self, attempt: int) -> list[str]:
        """Calls signed status callbacks say `attempt` created, oldest first (by first report)."""
        return [sid for sid, state in self.calls.items() if state.attempt == attempt]

    @property
    def updates_in_flight(self) -> bool:
        return self.booking_in_flight or self.callback_in_flight or self.transfer_in_flight

    # --- update validators -------------------------------------------------------------------

    def require_live_call(self, call_sid: str) -> None:
        """Durable writes come only from a live, answered call of this workflow's current
        attempt (followed, or reported while its dial is still in flight)."""
        state = self.own_call(call_sid, create=False)
        current = self.dialling_attempt or self.attempt
        if state is None or state.attempt != current or state.hangup_requested:
            raise ValueError("no call of this workflow has this call sid")
        if not state.answered:
            raise ValueError("that call was not answered")
        if not state.live:
            raise ValueError("that call has already ended")

    def validate_booking(self, request: BookAppointmentRequest) -> None:
        if self.opted_out:
            raise ValueError("client opted out: no booking")
        if self.booking is not None or self.booking_in_flight:
            raise ValueError("client already has an appointment in this campaign")
        self.require_live_call(request.call_sid)
        if request.slot_start not in self.free_slots:
            raise ValueError(f"slot {request.slot_start.isoformat()} is not free for this broker")

    def validate_callback(self, request: CallbackRequest, now: datetime) -> None:
        if self.opted_out:
            raise ValueError("client opted out: no callback")
        self.require_live_call(request.call_sid)
        if request.callback_at.tzinfo is None:
            raise ValueError("callback time must carry a time zone")
        if request.callback_at <= now:
            raise ValueError("callback time is in the past")
        if request.callback_at > now + MAX_CALLBACK_AHEAD:
            raise ValueError("callback time is more than 30 days away")
        if self.callback is not None or self.callback_in_flight:
            raise ValueError("a callback is already scheduled")

    def validate_transfer(self, request: TransferAsk) -> None:
        if self.opted_out:
            raise ValueError("client opted out")
        self.require_live_call(request.call_sid)
        if self.transfer_in_flight or self.transferring:
            raise ValueError("a transfer is already under way")

    # --- presentation ------------------------------------------------------------------------

    def details(self, doing: str) -> str:
        """What the Temporal UI shows a campaign manager, in words; ids only, never PHI."""
        lines = [
            f"**{doing}**",
            f"client `{self.task.client_id}` · attempt {self.attempt}/{self.task.max_attempts}",
        ]
        if self.next_call_at:
            lines.append(f"next call at {self.next_call_at.isoformat()} (UTC)")
        if self.conversation_stage:
            lines.append(f"conversation stage: {self.conversation_stage.value}")
        return "\n".join(lines)


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def callback_owner_is_broker(callback: CallbackConfirmation | None) -> bool:
    return callback is not None and callback.owner is CallbackOwner.BROKER
