"""Random client timelines for the simulation suite, as hypothesis strategies.

A timeline is what the world does to one client's outreach: for each dial, how the carrier
behaves (answer lost, refusals before create) and what the call is (no answer, busy, a machine, a
conversation cut at any point, including while a booking, callback or transfer update is in
flight), with duplicated and reordered webhooks; around the calls, failures after the remote
side succeeded (CRM, email, calendar), a DNC entry or a consent withdrawal made elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import strategies as st

from domain.enums import CallbackOwner, CallResult, CallStatus, Stage
from domain.messages import CallingWindow
from sim.scripted_phone import (
    AskCallback,
    AskTransfer,
    Book,
    Consent,
    End,
    EnterStage,
    OptOut,
    RecordingStarted,
    Status,
    Step,
)

ZONES = (
    ("America/New_York", "NY"),
    ("America/Los_Angeles", "WA"),
    ("America/Chicago", "TX"),
    ("America/Denver", "CO"),
)
WINDOWS = (CallingWindow(0, 24), CallingWindow(8, 21), CallingWindow(9, 17, weekdays_only=True))


@dataclass(frozen=True)
class DialPlan:
    script: tuple[Step, ...]
    answer_lost: bool = False
    fail_before_create: int = 0


@dataclass(frozen=True)
class ClientPlan:
    timezone: str
    state: str
    window: CallingWindow
    start_after_hours: int
    max_attempts: int
    dials: tuple[DialPlan, ...]
    crm_fails_after_write: bool = False
    email_fails_after_send: bool = False
    calendar_fails_after_booking: bool = False
    dnc_after_dials: int | None = None  # a DNC entry made elsewhere once this many dials happened
    withdraw_after_dials: int | None = None  # marketing consent withdrawn elsewhere
    notes: list[str] = field(default_factory=list, compare=False)

    def script_for(self, attempt: int) -> tuple[Step, ...]:
        """The attempt-th dial's call (1-based); dials beyond the plan ring out."""
        if 1 <= attempt <= len(self.dials):
            return self.dials[attempt - 1].script
        return (Status(CallStatus.RINGING), Status(CallStatus.NO_ANSWER))

    def dial(self, attempt: int) -> DialPlan | None:
        return self.dials[attempt - 1] if 1 <= attempt <= len(self.dials) else None


MIDDLE = st.one_of(
    st.builds(EnterStage, st.sampled_from(list(Stage))),
    st.builds(Book, wait=st.booleans()),
    st.builds(
        AskCallback,
        st.integers(1, 72).map(lambda h: timedelta(hours=h)),
        st.sampled_from(list(CallbackOwner)),
        st.booleans(),
    ),
    st.builds(AskTransfer, st.booleans()),
    st.just(OptOut()),
    st.just(RecordingStarted()),
)


@st.composite
def conversation(draw: st.DrawFn) -> tuple[Step, ...]:
    """Answered and consented; the conversation's steps, then how it ended: the media server's
    verdict (any result, even one that contradicts what happened), a drop, or no report at all
    (the media server died); webhooks duplicated or reordered."""
    middle = draw(st.lists(MIDDLE, max_size=5))
    ending = draw(st.sampled_from(["result", "dropped", "silent"]))
    steps: list[Step] = [Status(CallStatus.RINGING), Status(CallStatus.ANSWERED), Consent(True)]
    steps += [EnterStage(Stage.INTRO), *middle]
    tail: list[Step] = []
    if ending == "result":
        result = draw(st.sampled_from(list(CallResult)))
        later = timedelta(hours=draw(st.integers(1, 48))) if draw(st.booleans()) else None
        tail.append(End(result, later))
    elif ending == "dropped":
        tail.append(End(CallResult.DROPPED))
    tail.append(Status(CallStatus.COMPLETED))
    if len(tail) == 2 and draw(st.booleans()):
        tail.reverse()  # telephony's completed before the media server's verdict
    steps += tail
    if draw(st.booleans()):  # a webhook delivered twice
        index = draw(st.integers(0, len(steps) - 1))
        if isinstance(steps[index], (Status, End)):
            steps.insert(index, steps[index])
    return tuple(steps)


UNANSWERED = st.sampled_from(
    [
        (Status(CallStatus.RINGING), Status(CallStatus.NO_ANSWER)),
        (Status(CallStatus.RINGING), Status(CallStatus.BUSY)),
        (Status(CallStatus.FAILED),),
        (
            Status(CallStatus.RINGING),
            Status(CallStatus.ANSWERED),
            Status(CallStatus.MACHINE),
            Status(CallStatus.COMPLETED),
        ),
        (
            Status(CallStatus.RINGING),
            Status(CallStatus.ANSWERED),
            Consent(False),
            Status(CallStatus.COMPLETED),
        ),
    ]
)

DIALS = st.builds(
    DialPlan,
    st.one_of(UNANSWERED, conversation()),
    st.booleans(),
    st.integers(0, 2),
)


@st.composite
def client_plans(draw: st.DrawFn) -> ClientPlan:
    zone, state = draw(st.sampled_from(ZONES))
    dials = tuple(draw(st.lists(DIALS, min_size=1, max_size=4)))
    return ClientPlan(
        timezone=zone,
        state=state,
        window=draw(st.sampled_from(WINDOWS)),
        start_after_hours=draw(st.integers(0, 30)),
        max_attempts=draw(st.integers(1, 3)),
        dials=dials,
        crm_fails_after_write=draw(st.booleans()),
        email_fails_after_send=draw(st.booleans()),
        calendar_fails_after_booking=draw(st.booleans()),
        dnc_after_dials=draw(st.none() | st.integers(0, 3)),
        withdraw_after_dials=draw(st.none() | st.integers(0, 3)),
    )
