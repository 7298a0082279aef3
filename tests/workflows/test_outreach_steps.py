"""`next_step` without Temporal: every branch of the outreach decisions, plus a property over
random event sequences that the ordering promises hold (no dial after a booking, an opt-out or a
stop; a permit asked only inside the calling window; a finish is final)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calling_window import is_within_window
from domain.enums import CallbackOwner, CallResult, CallStatus, Outcome
from domain.messages import (
    BookingConfirmation,
    BrokerAvailabilityResult,
    CallbackConfirmation,
    CallingWindow,
    CallStatusEvent,
    ClientTask,
    DialGateDecision,
    PlaceCallResult,
    RetryPolicySpec,
    ScreeningResult,
)
from workflows.outreach_state import CallState, CallVerdict, OutreachState
from workflows.outreach_steps import (
    DIAL_TRIES,
    MAX_AI_CALLBACKS,
    AdoptCall,
    AskPermit,
    AwaitTransfer,
    BrokerAvailability,
    BrokerHandedOver,
    CallbackRecorded,
    CallOver,
    CheckBrokerAvailability,
    Dial,
    Dialled,
    Finish,
    FollowCall,
    HandToBroker,
    PermitAnswered,
    PermitExpired,
    RecordCallback,
    Screen,
    Screened,
    Sleep,
    Started,
    TransferSettled,
    Waited,
    call_verdict,
    next_step,
)

NOON = datetime(2030, 3, 4, 17, 0, tzinfo=UTC)  # Monday 12:00 in New York
NIGHT = datetime(2030, 3, 5, 3, 0, tzinfo=UTC)  # Monday 22:00 in New York
ZONE = "America/New_York"
OK = ScreeningResult(True, None, "ok", ZONE, 0, ())
BOOKING = BookingConfirmation("apt_1", "brk", NOON + timedelta(days=1), "ABC123")


def state(**task: object) -> OutreachState:
    fields: dict[str, object] = dict(campaign_id="c", client_id="cli", broker_id="brk", max_attempts=3)
    fields.update(task)
    return OutreachState(task=ClientTask(**fields))  # type: ignore[arg-type]


def dialled(s: OutreachState, now: datetime = NOON, sid: str = "CA1") -> FollowCall:
    """Screen, get a permit and a call: the state right after place_call answered."""
    assert isinstance(next_step(s, Started(), now), Screen)
    assert isinstance(next_step(s, Screened(OK), now), AskPermit)
    dial = next_step(s, PermitAnswered(True), now)
    assert isinstance(dial, Dial)
    follow = next_step(s, Dialled(dial.attempt, PlaceCallResult(sid)), now)
    assert isinstance(follow, FollowCall) and follow.call_sid == sid
    s.adopt(sid, dial.attempt)
    return follow


def callback(owner: CallbackOwner = CallbackOwner.AI, hours: int = 3) -> CallbackConfirmation:
    return CallbackConfirmation("cb_1", NOON + timedelta(hours=hours), owner)


# --- screening and waiting -----------------------------------------------------------------------


def test_screening_out_finishes_with_its_outcome():
    s = state()
    next_step(s, Started(), NOON)
    blocked = ScreeningResult(False, Outcome.DNC_BLOCKED, "on do-not-call list", ZONE, 0, ())
    assert next_step(s, Screened(blocked), NOON) == Finish(
        Outcome.DNC_BLOCKED, "screened out: on do-not-call list"
    )


def test_outside_the_window_sleeps_until_it_opens_in_the_clients_zone():
    s = state(window=CallingWindow(8, 21))
    next_step(s, Started(), NIGHT)
    action = next_step(s, Screened(OK), NIGHT)
    assert isinstance(action, Sleep)
    assert action.until.astimezone().hour >= 0 and is_within_window(action.until, ZONE, s.task.window)
    assert action.until - NIGHT < timedelta(hours=11)
    assert isinstance(next_step(s, Waited(), action.until), AskPermit)


def test_a_permit_is_asked_for_until_the_window_closes_and_withdrawn_after():
    s = state(window=CallingWindow(8, 21))
    next_step(s, Started(), NOON)
    ask = next_step(s, Screened(OK), NOON)
    assert isinstance(ask, AskPermit) and ask.until == datetime(2030, 3, 5, 2, 0, tzinfo=UTC)  # 21:00
    assert isinstance(next_step(s, PermitExpired(), ask.until), Sleep)


def test_a_refused_permit_means_the_campaign_stopped():
    s = state()
    next_step(s, Started(), NOON)
    next_step(s, Screened(OK), NOON)
    assert next_step(s, PermitAnswered(False), NOON) == Finish(Outcome.NO_ANSWER, "campaign stopped")


@pytest.mark.parametrize("flag", ["opted_out", "stopped"])
def test_a_wait_cut_short_by_an_opt_out_or_a_stop_finishes(flag: str):
    s = state(window=CallingWindow(8, 21))
    next_step(s, Started(), NIGHT)
    next_step(s, Screened(OK), NIGHT)
    setattr(s, flag, True)
    action = next_step(s, Waited(), NIGHT)
    assert isinstance(action, Finish)
    assert action.outcome is (Outcome.OPTED_OUT if flag == "opted_out" else Outcome.NO_ANSWER)


# --- the dial ------------------------------------------------------------------------------------


def test_the_gate_deferring_at_the_dial_waits_and_does_not_use_up_the_attempt():
    s = state()
    next_step(s, Started(), NOON)
    next_step(s, Screened(OK), NOON)
    dial = next_step(s, PermitAnswered(True), NOON)
    later = NOON + timedelta(hours=20)
    gate = DialGateDecision(False, None, "daily cap", retry_at=later)
    action = next_step(s, Dialled(1, PlaceCallResult(None, gate=gate)), NOON)
    assert isinstance(dial, Dial) and isinstance(action, Sleep) and action.until == later
    assert s.attempt == 0 and s.dialling_attempt == 0


def test_the_gate_blocking_at_the_dial_finishes_with_its_outcome():
    s = state()
    next_step(s, Started(), NOON)
    next_step(s, Screened(OK), NOON)
    next_step(s, PermitAnswered(True), NOON)
    gate = DialGateDecision(False, Outcome.DNC_BLOCKED, "internal_dnc")
    assert next_step(s, Dialled(1, PlaceCallResult(None, gate=gate)), NOON) == Finish(
        Outcome.DNC_BLOCKED, "internal_dnc"
    )


def test_a_failed_dial_is_retried_then_adopts_what_a_callback_reported_or_fails():
    s = state()
    next_step(s, Started(), NOON)
    next_step(s, Screened(OK), NOON)
    next_step(s, PermitAnswered(True), NOON)
    for _ in range(DIAL_TRIES - 1):
        assert isinstance(next_step(s, Dialled(1, None, "timeout"), NOON), Dial)
    assert next_step(s, Dialled(1, None, "timeout"), NOON) == Finish(
        Outcome.FAILED, "could not place the call: timeout"
    )
    s2 = state()
    next_step(s2, Started(), NOON)
    next_step(s2, Screened(OK), NOON)
    next_step(s2, PermitAnswered(True), NOON)
    s2.on_call_status(CallStatusEvent("CA9", CallStatus.RINGING, attempt=1))
    assert next_step(s2, Dialled(1, None, "timeout", retryable=False), NOON) == AdoptCall("CA9", 1)


# --- after a call --------------------------------------------------------------------------------


def test_a_booking_is_final_whatever_the_call_reported():
    for verdict in (
        CallVerdict(result=CallResult.DROPPED),
        CallVerdict(unanswered=Outcome.NO_ANSWER),
        CallVerdict(result=CallResult.OPTED_OUT),
        CallVerdict(result=CallResult.CALLBACK_REQUESTED),
    ):
        s = state(max_attempts=1)
        dialled(s)
        s.booking = BOOKING
        assert next_step(s, CallOver(verdict), NOON) == Finish(Outcome.SCHEDULED, "appointment booked")


def test_an_opt_out_beats_a_retry_and_a_callback():
    s = state()
    dialled(s)
    s.opted_out = True
    s.callback = callback()
    assert next_step(s, CallOver(CallVerdict(result=CallResult.DROPPED)), NOON) == Finish(
        Outcome.OPTED_OUT, "opted out"
    )


def test_unanswered_calls_retry_with_backoff_then_give_up():
    s = state(max_attempts=2, retry=RetryPolicySpec(base_minutes=60))
    dialled(s)
    retry = next_step(s, CallOver(CallVerdict(unanswered=Outcome.BUSY)), NOON)
    assert isinstance(retry, Sleep) and retry.until == NOON + timedelta(minutes=60)
    next_step(s, Waited(), retry.until)
    next_step(s, PermitAnswered(True), retry.until)
    next_step(s, Dialled(2, PlaceCallResult("CA2")), retry.until)
    assert next_step(s, CallOver(CallVerdict(result=CallResult.VOICEMAIL)), retry.until) == Finish(
        Outcome.VOICEMAIL, "gave up after 2 attempts"
    )


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (CallResult.DECLINED, Outcome.DECLINED),
        (CallResult.VERIFICATION_FAILED, Outcome.VERIFICATION_FAILED),
        (CallResult.CONSENT_DENIED, Outcome.CONSENT_DENIED),
        (CallResult.SCHEDULED, Outcome.DECLINED),  # said scheduled, but no booking was accepted
    ],
)
def test_final_results_finish(result: CallResult, outcome: Outcome):
    s = state()
    dialled(s)
    action = next_step(s, CallOver(CallVerdict(result=result)), NOON)
    assert isinstance(action, Finish) and action.outcome is outcome


def test_a_callback_accepted_during_the_call_stands_even_if_the_call_dropped():
    s = state(max_attempts=1)
    dialled(s)
    s.callback = callback(hours=3)
    action = next_step(s, CallOver(CallVerdict(result=CallResult.DROPPED)), NOON)
    assert isinstance(action, Sleep) and action.until == NOON + timedelta(hours=3)
    assert s.ai_callbacks == 1


def test_a_callback_time_from_the_call_is_recorded_inside_the_window():
    s = state(window=CallingWindow(8, 21))
    dialled(s)
    s.pending_callback_at = NIGHT
    action = next_step(s, CallOver(CallVerdict(result=CallResult.CALLBACK_REQUESTED)), NOON)
    assert isinstance(action, RecordCallback) and action.owner is CallbackOwner.AI
    assert is_within_window(action.at, ZONE, s.task.window) and action.at >= NIGHT
    after = next_step(s, CallbackRecorded(CallbackConfirmation("cb", action.at, CallbackOwner.AI)), NOON)
    assert isinstance(after, Sleep) and after.until == action.at


def test_a_callback_without_a_time_is_tried_after_the_first_backoff():
    s = state(retry=RetryPolicySpec(base_minutes=30))
    dialled(s)
    action = next_step(s, CallOver(CallVerdict(result=CallResult.CALLBACK_REQUESTED)), NOON)
    assert isinstance(action, Sleep) and action.until == NOON + timedelta(minutes=30)


def test_repeated_callbacks_go_to_the_broker():
    s = state()
    dialled(s)
    s.ai_callbacks = MAX_AI_CALLBACKS
    s.callback = callback()
    hand = next_step(s, CallOver(CallVerdict(result=CallResult.CALLBACK_REQUESTED)), NOON)
    assert isinstance(hand, HandToBroker)
    done = next_step(s, BrokerHandedOver(callback(CallbackOwner.BROKER)), NOON)
    assert done == Finish(Outcome.CALLBACK_SCHEDULED, "broker will call back")


def test_a_connected_transfer_waits_for_the_broker_leg_then_finishes():
    s = state()
    dialled(s)
    s.transferring = True
    assert next_step(s, CallOver(CallVerdict(result=CallResult.DROPPED)), NOON) == AwaitTransfer(
        timedelta(minutes=3)
    )
    assert next_step(s, TransferSettled(), NOON) == Finish(Outcome.TRANSFERRED, "transferred to broker")


def test_a_transfer_the_broker_missed_books_a_broker_callback():
    s = state()
    dialled(s)
    s.transferring = True
    next_step(s, CallOver(CallVerdict(result=CallResult.DROPPED)), NOON)
    s.transferring = False  # the broker leg reported no-answer
    assert next_step(s, TransferSettled(), NOON) == CheckBrokerAvailability()
    slot = NOON + timedelta(days=1)
    assert next_step(s, BrokerAvailability(BrokerAvailabilityResult(False, slot)), NOON) == HandToBroker(slot)


def test_a_wrong_person_with_a_better_time_is_called_back():
    s = state()
    dialled(s)
    s.pending_callback_at = NOON + timedelta(hours=2)
    action = next_step(s, CallOver(CallVerdict(result=CallResult.WRONG_PERSON)), NOON)
    assert isinstance(action, RecordCallback)


# --- verdicts ------------------------------------------------------------------------------------


def test_call_verdicts():
    assert call_verdict(CallState(1), rang_out=True) == CallVerdict(unanswered=Outcome.NO_ANSWER)
    busy = CallState(1, final_status=CallStatus.BUSY)
    assert call_verdict(busy) == CallVerdict(unanswered=Outcome.BUSY)
    machine = CallState(1, answered=True, machine=True, final_status=CallStatus.COMPLETED)
    assert call_verdict(machine) == CallVerdict(result=CallResult.VOICEMAIL)
    refused = CallState(1, answered=True, consent=False, final_status=CallStatus.COMPLETED)
    assert call_verdict(refused) == CallVerdict(result=CallResult.CONSENT_DENIED)
    # A machine's greeting met the consent prompt: the refusal was no clear answer.
    greeted = CallState(1, answered=True, machine=True, consent=False, consent_unclear=True)
    assert call_verdict(greeted, machine_over_unclear=True) == CallVerdict(result=CallResult.VOICEMAIL)
    assert call_verdict(greeted) == CallVerdict(result=CallResult.CONSENT_DENIED)  # unpatched runs
    pressed_no = CallState(1, answered=True, machine=True, consent=False)  # a clear "no" stands
    assert call_verdict(pressed_no, machine_over_unclear=True) == CallVerdict(
        result=CallResult.CONSENT_DENIED
    )
    silent = CallState(1, answered=True, final_status=CallStatus.COMPLETED)
    assert call_verdict(silent) == CallVerdict(result=CallResult.DROPPED)
    assert call_verdict(CallState(1, answered=True), overran=True) == CallVerdict(result=CallResult.DROPPED)


# --- a property over random timelines ------------------------------------------------------------

VERDICTS = st.sampled_from(
    [CallVerdict(unanswered=o) for o in (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.FAILED)]
    + [CallVerdict(result=r) for r in CallResult]
)
INTERJECTIONS = st.sampled_from(["none", "book", "opt_out", "stop", "callback", "pending_callback"])


@settings(max_examples=400, deadline=None)
@given(
    steps=st.lists(st.tuples(VERDICTS, INTERJECTIONS, st.integers(0, 48)), min_size=1, max_size=12),
    window=st.sampled_from([CallingWindow(8, 21), CallingWindow(0, 24), CallingWindow(9, 17, True)]),
    max_attempts=st.integers(1, 4),
)
def test_random_timelines_keep_the_ordering_promises(steps, window, max_attempts):
    """Drive next_step with whatever each action asks for; interject what signals and updates
    could set at any point. Never a Dial or permit after a booking, an opt-out or a stop; a
    permit is only asked for inside the window; the walk always ends in one Finish."""
    s = state(window=window, max_attempts=max_attempts)
    now = NOON
    action = next_step(s, Started(), now)
    script = list(steps)
    for _ in range(200):
        if isinstance(action, Finish):
            break
        verdict, interjection, hours = (
            script[0] if script else (CallVerdict(unanswered=Outcome.BUSY), "none", 1)
        )
        finalised = s.booking is not None or s.opted_out or s.stopped
        if isinstance(action, (Dial, AskPermit)):
            assert not finalised, f"{type(action).__name__} after booking/opt-out/stop"
        if isinstance(action, AskPermit):
            assert is_within_window(now, s.timezone, window)
        match action:
            case Screen():
                event = Screened(ScreeningResult(True, None, "ok", ZONE, 0, ()))
            case Sleep(until):
                assert until > now
                now = until
                event = Waited()
            case AskPermit():
                event = PermitAnswered(True)
            case Dial(attempt):
                event = Dialled(attempt, PlaceCallResult(f"CA{attempt}"))
            case FollowCall(sid):
                s.adopt(sid, s.dialling_attempt or s.attempt)
                if interjection == "book":
                    s.booking = BOOKING
                elif interjection == "opt_out":
                    s.opted_out = True
                elif interjection == "stop":
                    s.stopped = True
                elif interjection == "callback":
                    s.callback = callback(hours=hours + 1)
                elif interjection == "pending_callback":
                    s.pending_callback_at = now + timedelta(hours=hours + 1)
                script = script[1:]
                now = now + timedelta(minutes=5)
                event = CallOver(verdict)
            case RecordCallback(at, owner):
                event = CallbackRecorded(
                    CallbackConfirmation("cb", max(at, now + timedelta(minutes=1)), owner)
                )
            case HandToBroker(at):
                event = BrokerHandedOver(CallbackConfirmation("cb", at, CallbackOwner.BROKER))
            case CheckBrokerAvailability():
                event = BrokerAvailability(BrokerAvailabilityResult(False, now + timedelta(days=1)))
            case AwaitTransfer():
                event = TransferSettled()
            case AdoptCall(sid, attempt):
                event = Dialled(attempt, PlaceCallResult(sid, adopted=True))
            case _:
                raise AssertionError(f"unexpected action {action!r}")
        action = next_step(s, event, now)
    assert isinstance(action, Finish), "the outreach never finished"
    if s.booking is not None:
        assert action.outcome is Outcome.SCHEDULED
    elif s.opted_out:
        assert action.outcome is Outcome.OPTED_OUT
    assert s.unanswered <= max_attempts


def test_what_the_console_says_is_plain_words_in_the_clients_zone():
    s = state(window=CallingWindow(8, 21))
    next_step(s, Started(), NIGHT)
    wait = next_step(s, Screened(OK), NIGHT)
    assert isinstance(wait, Sleep)
    assert wait.reason == "waiting for calling window: opens Tue 08:00 America/New_York"
    s2 = state(max_attempts=3, retry=RetryPolicySpec(base_minutes=90))
    dialled(s2)
    retry = next_step(s2, CallOver(CallVerdict(unanswered=Outcome.NO_ANSWER)), NOON)
    assert isinstance(retry, Sleep)
    assert retry.reason == "call 1 of 3: no answer, retrying; next call Mon 13:30 America/New_York"
