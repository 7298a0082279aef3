"""The outreach workflow's decisions as one pure function: `next_step(state, event, now)` applies
what just happened to the state and says what the workflow does next. The workflow's `run` is a
short loop that carries out each action (an activity, a timer, a wait on signals) and feeds the
result back as the next event. Pure, so every branch is unit-tested without Temporal
(tests/workflows/test_outreach_steps.py), and the ordering rules live in one place:

- a booking the workflow accepted is final: nothing dials after it, whatever the call reported;
- an opt-out ends the outreach (DNC at once), before any retry or callback;
- the compliance gate is judged inside the dial itself (`Dial`), after the permit, so a wait of
  any length (a paused campaign, a slow queue) cannot carry a stale decision to the carrier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from domain.calling_window import clamp_into_window, next_window_open, retry_delay, window_closes_at
from domain.enums import CallbackOwner, CallResult, CallStatus, ClientStage, Outcome
from domain.messages import (
    BrokerAvailabilityResult,
    CallbackConfirmation,
    PlaceCallResult,
    ScreeningResult,
)
from workflows.outreach_state import CallState, CallVerdict, OutreachState

MAX_AI_CALLBACKS = 2  # then the broker follows up personally
DIAL_TRIES = 3  # executions of place_call per attempt before the client ends `failed`
DIAL_RETRY_DELAY = timedelta(seconds=5)
TRANSFER_SETTLE = timedelta(minutes=3)
UNANSWERED: Mapping[CallStatus, Outcome] = MappingProxyType(
    {
        CallStatus.NO_ANSWER: Outcome.NO_ANSWER,
        CallStatus.BUSY: Outcome.BUSY,
        CallStatus.FAILED: Outcome.FAILED,
        CallStatus.CANCELED: Outcome.NO_ANSWER,
    }
)
RETRYABLE_RESULTS: Mapping[CallResult, Outcome] = MappingProxyType(
    {
        CallResult.VOICEMAIL: Outcome.VOICEMAIL,
        CallResult.DROPPED: Outcome.FAILED,
        CallResult.WRONG_PERSON: Outcome.NO_ANSWER,
    }
)
FINAL_RESULTS: Mapping[CallResult, Outcome] = MappingProxyType(
    {
        CallResult.DECLINED: Outcome.DECLINED,
        CallResult.VERIFICATION_FAILED: Outcome.VERIFICATION_FAILED,
        CallResult.CONSENT_DENIED: Outcome.CONSENT_DENIED,
    }
)


# --- events: what just happened ------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    pass


@dataclass(frozen=True)
class Screened:
    result: ScreeningResult


@dataclass(frozen=True)
class Waited:
    """A durable wait ended: its time came, or an opt-out or a campaign stop cut it short."""


@dataclass(frozen=True)
class PermitAnswered:
    granted: bool


@dataclass(frozen=True)
class PermitExpired:
    """The calling window closed before the campaign granted a dial slot."""


@dataclass(frozen=True)
class Dialled:
    """place_call's answer for `attempt`; `result` None when it failed (`error` says why;
    `retryable` False when no retry can help, e.g. a number the carrier refuses)."""

    attempt: int
    result: PlaceCallResult | None
    error: str = ""
    retryable: bool = True


@dataclass(frozen=True)
class CallOver:
    verdict: CallVerdict


@dataclass(frozen=True)
class CallbackRecorded:
    confirmation: CallbackConfirmation


@dataclass(frozen=True)
class BrokerHandedOver:
    confirmation: CallbackConfirmation


@dataclass(frozen=True)
class TransferSettled:
    """The broker leg reported, or TRANSFER_SETTLE passed without a report."""


@dataclass(frozen=True)
class BrokerAvailability:
    availability: BrokerAvailabilityResult


Event = (
    Started
    | Screened
    | Waited
    | PermitAnswered
    | PermitExpired
    | Dialled
    | CallOver
    | CallbackRecorded
    | BrokerHandedOver
    | TransferSettled
    | BrokerAvailability
)


# --- actions: what to do next --------------------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    pass


@dataclass(frozen=True)
class Sleep:
    """Wait durably until `until`, unless the client opts out or the campaign stops."""

    until: datetime
    stage: ClientStage
    reason: str


@dataclass(frozen=True)
class AskPermit:
    """Ask the campaign for a dial slot; give the request back if none comes before `until`."""

    until: datetime


@dataclass(frozen=True)
class Dial:
    """Judge the compliance gate at this instant and dial (or adopt the call an earlier try
    made), after `delay` when this is a retry of the same attempt."""

    attempt: int
    delay: timedelta = timedelta(0)


@dataclass(frozen=True)
class AdoptCall:
    """place_call failed, but a signed status callback says this attempt did create a call:
    follow that call instead of dialling again."""

    call_sid: str
    attempt: int


@dataclass(frozen=True)
class FollowCall:
    call_sid: str


@dataclass(frozen=True)
class RecordCallback:
    at: datetime
    owner: CallbackOwner


@dataclass(frozen=True)
class HandToBroker:
    """The broker calls the client personally: a callback record plus its own workflow."""

    at: datetime


@dataclass(frozen=True)
class CheckBrokerAvailability:
    pass


@dataclass(frozen=True)
class AwaitTransfer:
    timeout: timedelta


@dataclass(frozen=True)
class Finish:
    outcome: Outcome
    note: str


Action = (
    Screen
    | Sleep
    | AskPermit
    | Dial
    | AdoptCall
    | FollowCall
    | RecordCallback
    | HandToBroker
    | CheckBrokerAvailability
    | AwaitTransfer
    | Finish
)


# --- the decision --------------------------------------------------------------------------------


def next_step(state: OutreachState, event: Event, now: datetime) -> Action:
    """Apply `event` to `state` and return the next action. Deterministic: same state, event and
    `now` give the same action."""
    match event:
        case Started():
            return Screen()
        case Screened(result):
            state.timezone = result.timezone
            state.attempt = result.attempts_so_far
            if not result.allowed:
                return Finish(result.blocked_outcome or Outcome.INELIGIBLE, f"screened out: {result.reason}")
            return _next_dial(state, now)
        case Waited():
            return _next_dial(state, now)
        case PermitAnswered(granted):
            if not granted:
                state.stopped = True
            if state.stopped or state.opted_out or state.booking is not None:
                return _next_dial(state, now)
            state.dialling_attempt = state.attempt + 1
            state.dial_tries = 1
            return Dial(state.attempt + 1)
        case PermitExpired():
            state.not_before = now
            return _next_dial(state, now)
        case Dialled(attempt, result, error, retryable):
            return _after_dial(state, attempt, result, error, retryable, now)
        case CallOver(verdict):
            if state.transferring:
                # A transfer redirects the call away from the media stream, which then reports
                # the stream's end; what happened is a transfer, and the workflow knows it.
                verdict = CallVerdict(result=CallResult.TRANSFER_REQUESTED)
            state.verdict = verdict
            return _after_call(state, now)
        case CallbackRecorded(confirmation) | BrokerHandedOver(confirmation):
            state.callback = confirmation
            return _after_call(state, now)
        case TransferSettled():
            state.transfer_settled = True
            return _after_call(state, now)
        case BrokerAvailability(availability):
            at = availability.next_free_slot or now + timedelta(days=1)
            return HandToBroker(at)
    raise TypeError(f"unknown event {event!r}")


def _next_dial(state: OutreachState, now: datetime) -> Action:
    """Between calls: finish if nothing may follow, else wait for the window, then ask to dial."""
    if state.booking is not None:
        return Finish(Outcome.SCHEDULED, "appointment booked")
    if state.opted_out:
        return Finish(Outcome.OPTED_OUT, "opted out")
    if state.stopped:
        return Finish(state.last_outcome, "campaign stopped")
    earliest = max(now, state.not_before) if state.not_before else now
    opens = next_window_open(earliest, state.timezone, state.task.window)
    if opens > now:
        state.next_call_at = opens
        waiting = state.stage in (ClientStage.WAITING_RETRY, ClientStage.WAITING_CALLBACK)
        stage = state.stage if waiting else ClientStage.WAITING_WINDOW
        when = f"{opens.astimezone(ZoneInfo(state.timezone)):%a %H:%M} {state.timezone}"
        reason = (
            f"{state.last_event}; next call {when}"
            if waiting
            else f"waiting for calling window: opens {when}"
        )
        return Sleep(opens, stage, reason)
    state.not_before = None
    state.next_call_at = None
    return AskPermit(window_closes_at(now, state.timezone, state.task.window))


def _after_dial(
    state: OutreachState,
    attempt: int,
    result: PlaceCallResult | None,
    error: str,
    retryable: bool,
    now: datetime,
) -> Action:
    if result is None:
        reported = state.reported_calls(attempt)
        if reported:
            return AdoptCall(reported[0], attempt)
        if retryable and state.dial_tries < DIAL_TRIES:
            state.dial_tries += 1
            return Dial(attempt, DIAL_RETRY_DELAY)
        state.dialling_attempt = 0
        return Finish(Outcome.FAILED, f"could not place the call: {error}")
    state.dialling_attempt = 0
    if result.call_sid is None:
        gate = result.gate
        if gate is not None and gate.retry_at is not None:
            state.last_event = f"dial deferred: {gate.reason}"
            state.not_before = gate.retry_at
            return _next_dial(state, now)
        if gate is not None:
            state.last_event = f"dial blocked: {gate.reason}"
            return Finish(gate.blocked_outcome or state.last_outcome, gate.reason)
        return Finish(Outcome.FAILED, "place_call returned no call")
    state.attempt = max(state.attempt, attempt)
    state.stage = ClientStage.RINGING
    return FollowCall(result.call_sid)


def _after_call(state: OutreachState, now: datetime) -> Action:
    """After a call (and after each follow-up step it needed). The order of these checks is the
    product's promise: what the workflow accepted during the call (a booking, then an opt-out,
    a connected transfer, a callback) stands before anything telephony says about how the call
    ended, so a hang-up while an update was in flight never turns into a retry."""
    verdict = state.verdict or CallVerdict(result=CallResult.DROPPED)
    result = verdict.result
    if state.booking is not None:
        return Finish(Outcome.SCHEDULED, "appointment booked")
    if state.opted_out or result is CallResult.OPTED_OUT:
        state.opted_out = True
        return Finish(Outcome.OPTED_OUT, "opted out")
    if result is CallResult.SCHEDULED:
        return Finish(Outcome.DECLINED, "scheduled reported without a booking")
    if result is CallResult.TRANSFER_REQUESTED and state.transferring:
        if not state.transfer_settled:
            return AwaitTransfer(TRANSFER_SETTLE)
        if state.transferring:
            return Finish(Outcome.TRANSFERRED, "transferred to broker")
    wants_later = result in (CallResult.WRONG_PERSON, CallResult.CALLBACK_REQUESTED)
    if wants_later and state.callback is None and state.pending_callback_at is not None:
        # The caller (or whoever answered) named a time to call back.
        return _callback_from_call(state)
    if state.callback is not None:
        return _honour_callback(state, now)
    if verdict.unanswered is not None or result in RETRYABLE_RESULTS:
        return _retry_or_give_up(state, verdict, now)
    if result is not None and result in FINAL_RESULTS:
        return Finish(FINAL_RESULTS[result], result.value)
    if result is CallResult.TRANSFER_REQUESTED:
        return CheckBrokerAvailability()  # the caller wanted their broker and none was free
    if result is CallResult.CALLBACK_REQUESTED:
        state.not_before = now + retry_delay(1, state.task.retry)
        state.stage = ClientStage.WAITING_CALLBACK
        state.last_event = "callback requested without a time"
        state.verdict = None
        return _next_dial(state, now)
    return Finish(Outcome.DECLINED, f"call ended: {result.value if result else 'unknown'}")


def _honour_callback(state: OutreachState, now: datetime) -> Action:
    callback = state.callback
    assert callback is not None
    if callback.owner is CallbackOwner.BROKER:
        return Finish(Outcome.CALLBACK_SCHEDULED, "broker will call back")
    if state.ai_callbacks >= MAX_AI_CALLBACKS:
        # The client keeps asking to be called later: their broker takes it from here.
        state.callback = None
        state.last_event = "repeated callback requests: broker follows up"
        return HandToBroker(callback.callback_at)
    why = (
        "wrong person answered; calling back later"
        if state.verdict and state.verdict.result is CallResult.WRONG_PERSON
        else "callback requested"
    )
    return _call_back_later(state, why, now)


def _callback_from_call(state: OutreachState) -> Action:
    """The time the call ended with, moved into the calling window: Emma's own callback."""
    assert state.pending_callback_at is not None
    at = clamp_into_window(state.pending_callback_at, state.timezone, state.task.window)
    state.pending_callback_at = None
    return RecordCallback(at, CallbackOwner.AI)


def _call_back_later(state: OutreachState, why: str, now: datetime) -> Action:
    assert state.callback is not None
    state.ai_callbacks += 1
    state.not_before = state.callback.callback_at
    state.callback = None
    state.callback_due = True
    state.verdict = None
    state.stage = ClientStage.WAITING_CALLBACK
    state.last_event = why
    return _next_dial(state, now)


def _retry_or_give_up(state: OutreachState, verdict: CallVerdict, now: datetime) -> Action:
    state.last_outcome = verdict.unanswered or RETRYABLE_RESULTS[verdict.result or CallResult.DROPPED]
    state.unanswered += 1
    state.verdict = None
    if state.unanswered >= state.task.max_attempts:
        return Finish(state.last_outcome, f"gave up after {state.unanswered} attempts")
    state.not_before = now + retry_delay(state.unanswered, state.task.retry)
    state.stage = ClientStage.WAITING_RETRY
    said = state.last_outcome.value.replace("_", " ")
    state.last_event = f"call {state.unanswered} of {state.task.max_attempts}: {said}, retrying"
    return _next_dial(state, now)


def call_verdict(
    call: CallState, *, rang_out: bool = False, overran: bool = False, machine_over_unclear: bool = False
) -> CallVerdict:
    """What a followed call amounted to, from its signals: unanswered when it never connected,
    else the media server's result, else what telephony alone says (consent refused, a machine,
    or a drop when the media server never reported). With `machine_over_unclear`, a consent
    "refusal" that was no clear answer on a call the carrier says a machine took is voicemail
    (retried): a machine cannot refuse, and consent denied is final for the campaign."""
    if rang_out:
        return CallVerdict(unanswered=Outcome.NO_ANSWER)
    if overran:
        return CallVerdict(result=CallResult.DROPPED)
    if (
        not call.answered
        and call.ended is None
        and call.final_status is not None
        and call.final_status in UNANSWERED
    ):
        return CallVerdict(unanswered=UNANSWERED[call.final_status])
    if call.ended is not None:
        return CallVerdict(result=call.ended.result)
    if call.consent is False and not (machine_over_unclear and call.machine_met_consent):
        return CallVerdict(result=CallResult.CONSENT_DENIED)
    if call.machine:
        return CallVerdict(result=CallResult.VOICEMAIL)
    return CallVerdict(result=CallResult.DROPPED)
