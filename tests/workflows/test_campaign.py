"""CampaignWorkflow on the time-skipping test server, over real activities and a fresh database:
summary, continue-as-new between pages, the dial-permit cap, pause/resume/cancel, progress, and
clear errors for bad campaigns. The scripted phone plays each client's call inline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from db.models import Campaign, CrmNote, DncEntry
from db.session import Database
from domain.enums import CallResult, CallStatus, Outcome, Stage
from domain.ids import campaign_workflow_id, outreach_workflow_id
from domain.messages import (
    CallingWindow,
    CampaignInput,
    CampaignProgress,
    CampaignSpec,
    CampaignSummary,
    PlaceCallRequest,
    PlaceCallResult,
    RetryPolicySpec,
)
from sim.scripted_phone import Book, EnterStage, OptOut, ScriptedPhone, Step, answered_call, unanswered_call
from tests.workflows.harness import World, running_world
from tests.workflows.test_outreach import count
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow

ALWAYS_OPEN = CallingWindow(start_hour=0, end_hour=24)
CAMPAIGN = "camp-1"
SAFETY_NET = 60.0  # seconds: turns a hang into a failure; never an assertion about duration

BOOKED = answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)
DECLINED = answered_call(EnterStage(Stage.PRESENT), result=CallResult.DECLINED)
OPTS_OUT = answered_call(EnterStage(Stage.PRESENT), OptOut(), result=CallResult.OPTED_OUT)
NO_ANSWER = unanswered_call(CallStatus.NO_ANSWER)


def cid(index: int) -> str:
    """Client ids the harness seeds (seed value 1)."""
    return f"cli-1-{index:05d}"


def spec(**overrides: object) -> CampaignSpec:
    base: dict[str, object] = dict(
        campaign_id=CAMPAIGN,
        max_concurrent_calls=3,
        dials_per_minute=600.0,
        max_attempts=2,
        window=ALWAYS_OPEN,
        retry=RetryPolicySpec(base_minutes=60, multiplier=2.0, max_minutes=600),
    )
    base.update(overrides)
    return CampaignSpec(**base)  # type: ignore[arg-type]


async def start(world: World, campaign: CampaignSpec) -> WorkflowHandle[CampaignWorkflow, CampaignSummary]:
    return await world.client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(campaign),
        id=campaign_workflow_id(campaign.campaign_id),
        task_queue=world.task_queue,
    )


async def progress_when(
    handle: WorkflowHandle[CampaignWorkflow, CampaignSummary],
    time_env: WorkflowEnvironment,
    ready: Callable[[CampaignProgress], bool],
) -> CampaignProgress:
    """Poll the progress query until `ready` (time stays locked: no workflow time passes)."""
    for _ in range(400):
        seen = await handle.query(CampaignWorkflow.progress)
        if ready(seen):
            return seen
        await asyncio.sleep(0.02)
    raise AssertionError(f"progress never reached the expected state; last seen {seen}")


@dataclass
class GatedPhone(ScriptedPhone):
    """Holds every dial at `gate` until the test opens it; remembers dials in arrival order."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    dialed: list[PlaceCallRequest] = field(default_factory=list)

    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        self.dialed.append(request)
        await asyncio.wait_for(self.gate.wait(), SAFETY_NET)
        return await super().place_call(request, to_number)


async def until(check: Callable[[], bool]) -> None:
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


def scripts(by_client: dict[str, Sequence[Step]], default: Sequence[Step] = DECLINED):
    return lambda client_id, _attempt: by_client.get(client_id, default)


# --- completion and summary -------------------------------------------------------------------


async def test_campaign_completes_with_a_summary_of_outcomes(
    time_env: WorkflowEnvironment, database: Database
):
    plan = {cid(0): BOOKED, cid(1): DECLINED, cid(2): OPTS_OUT, cid(3): NO_ANSWER, cid(4): DECLINED}
    async with running_world(time_env.client, database, scripts(plan), clients=5) as world:
        handle = await start(world, spec())
        summary = await handle.result()
        progress = await handle.query(CampaignWorkflow.progress)
    assert summary == CampaignSummary(
        CAMPAIGN, 5, {"scheduled": 1, "declined": 2, "opted_out": 1, "no_answer": 1}, False
    )
    # the no-answer client was retried up to max_attempts; everyone else was dialled once
    assert len(world.phone.placed) == 4 + 2
    assert progress.by_outcome == summary.outcomes
    assert progress.by_stage == {
        "in_call": 0,
        "waiting_for_dial_slot": 0,
        "waiting_window_or_retry": 0,
        "done": 5,
    }
    assert (progress.started, progress.in_flight, progress.paused, progress.cancelled) == (5, 0, False, False)
    assert await count(database, CrmNote) == 5
    assert await count(database, DncEntry) == 1
    async with database.session() as session:
        status = (await session.execute(select(Campaign.status).where(Campaign.id == CAMPAIGN))).scalar_one()
    assert status == "completed"
    for client_id in plan:  # every child ran under its business-key id and finished
        child = world.client.get_workflow_handle_for(
            ClientOutreachWorkflow.run, outreach_workflow_id(CAMPAIGN, client_id)
        )
        assert (await child.result()).client_id == client_id


# --- continue-as-new ----------------------------------------------------------------------------


async def test_campaign_continues_as_new_between_pages(time_env: WorkflowEnvironment, database: Database):
    async with running_world(time_env.client, database, scripts({}), clients=5) as world:
        handle = await start(world, spec(page_size=2, max_concurrent_calls=2))
        first_run = handle.first_execution_run_id
        summary = await handle.result()
        description = await handle.describe()
        first = world.client.get_workflow_handle(campaign_workflow_id(CAMPAIGN), run_id=first_run)
        first_history = await first.fetch_history()
        progress = await handle.query(CampaignWorkflow.progress)
        children = [
            await world.client.get_workflow_handle_for(
                ClientOutreachWorkflow.run, outreach_workflow_id(CAMPAIGN, cid(i))
            ).result()
            for i in range(5)
        ]
    assert summary == CampaignSummary(CAMPAIGN, 5, {"declined": 5}, False)
    assert first_history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    assert description.run_id != first_run
    # 5 clients in pages of 2: pages of 2, 2, 1 (the third page is short, so no fourth load)
    assert progress.pages_loaded == 3
    assert sorted(r.client_id for r in children) == [cid(i) for i in range(5)]
    assert all(r.outcome is Outcome.DECLINED for r in children)
    assert len(world.phone.placed) == 5


# --- the dial-permit cap ------------------------------------------------------------------------


@dataclass
class BarrierPhone(ScriptedPhone):
    """Counts calls that are live at once. Each dial waits until as many calls are live as the
    cap allows (or as remain), so a correct scheduler reaches the cap exactly and a broken one
    that grants too many permits is caught every time, not by luck of timing."""

    cap: int = 0
    total: int = 0
    campaign: Callable[[], Awaitable[CampaignProgress]] | None = None
    live: int = 0
    max_live: int = 0
    done: int = 0
    max_in_flight: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        async with self._changed:
            self.live += 1
            self.max_live = max(self.max_live, self.live)
            self._changed.notify_all()
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self.live >= min(self.cap, self.total - self.done)),
                SAFETY_NET,
            )
        try:
            if self.campaign is not None:
                self.max_in_flight = max(self.max_in_flight, (await self.campaign()).in_flight)
            return await super().place_call(request, to_number)
        finally:
            async with self._changed:
                self.live -= 1
                self.done += 1
                self._changed.notify_all()


async def test_max_concurrent_calls_is_never_exceeded(time_env: WorkflowEnvironment, database: Database):
    clients, cap = 7, 2
    async with running_world(
        time_env.client, database, scripts({}), clients=clients, phone_type=BarrierPhone
    ) as world:
        phone = world.phone
        assert isinstance(phone, BarrierPhone)
        phone.cap, phone.total = cap, clients
        campaign = world.client.get_workflow_handle_for(CampaignWorkflow.run, campaign_workflow_id(CAMPAIGN))

        async def progress() -> CampaignProgress:
            return await campaign.query(CampaignWorkflow.progress)

        phone.campaign = progress
        summary = await (await start(world, spec(max_concurrent_calls=cap))).result()
    assert summary.clients == clients
    assert phone.done == clients
    assert phone.max_live == cap  # the cap was reached (calls did overlap) and never exceeded
    assert 1 <= phone.max_in_flight <= cap


# --- pause / resume / cancel --------------------------------------------------------------------


async def test_pause_holds_new_dials_and_retries_until_resume(
    time_env: WorkflowEnvironment, database: Database
):
    dialed: list[PlaceCallRequest] = []

    def script(client_id: str, attempt: int) -> Sequence[Step]:
        # whichever client got the first permit is not answered at first, then books
        return NO_ANSWER if client_id == dialed[0].client_id and attempt == 1 else BOOKED

    async with running_world(time_env.client, database, script, clients=2, phone_type=GatedPhone) as world:
        phone = world.phone
        assert isinstance(phone, GatedPhone)
        dialed = phone.dialed
        # retries are due at once, so the retry asks for a permit while the campaign is paused
        handle = await start(world, spec(max_concurrent_calls=1, retry=RetryPolicySpec(base_minutes=0)))
        await until(lambda: len(phone.dialed) == 1)  # one client is dialling, held at the gate
        first = phone.dialed[0].client_id
        await handle.signal(CampaignWorkflow.pause)
        await progress_when(handle, time_env, lambda p: p.paused)
        phone.gate.set()  # the live call finishes normally: no answer, and the retry is due
        await until(lambda: len(phone.placed) == 1)
        # everyone started waits for a dial slot: the first client's retry, and the other
        # client's first dial when it was started before the pause
        paused = await progress_when(
            handle, time_env, lambda p: p.by_stage["waiting_for_dial_slot"] == p.started and p.started >= 1
        )
        assert paused.paused and paused.in_flight == 0 and paused.by_stage["done"] == 0
        assert len(phone.dialed) == 1  # nothing was dialled while paused
        await handle.signal(CampaignWorkflow.resume)
        summary = await handle.result()
        after = await handle.query(CampaignWorkflow.progress)
    assert summary == CampaignSummary(CAMPAIGN, 2, {"scheduled": 2}, False)
    other = ({cid(0), cid(1)} - {first}).pop()
    dials = [(r.client_id, r.attempt) for r in phone.dialed]
    assert dials[0] == (first, 1) and sorted(dials[1:]) == sorted([(first, 2), (other, 1)])
    assert not after.paused


async def test_cancel_stops_new_dials_and_lets_live_calls_finish(
    time_env: WorkflowEnvironment, database: Database
):
    dialed: list[PlaceCallRequest] = []

    def script(client_id: str, _attempt: int) -> Sequence[Step]:
        # whichever client got the first permit is not answered; the second one books
        return NO_ANSWER if client_id == dialed[0].client_id else BOOKED

    async with running_world(time_env.client, database, script, clients=8, phone_type=GatedPhone) as world:
        phone = world.phone
        assert isinstance(phone, GatedPhone)
        dialed = phone.dialed
        handle = await start(world, spec(max_concurrent_calls=2, max_attempts=3))
        await until(lambda: len(phone.dialed) == 2)  # two live calls, held at the gate
        unanswered, booked = (r.client_id for r in phone.dialed)
        await handle.signal(CampaignWorkflow.cancel)
        cancelled = await progress_when(handle, time_env, lambda p: p.cancelled)
        assert cancelled.in_flight == 2 and cancelled.by_stage["in_call"] == 2
        phone.gate.set()  # the live calls finish normally: one books, one is not answered
        summary = await handle.result()
        progress = await handle.query(CampaignWorkflow.progress)
        results = {}
        for i in range(summary.clients):  # clients start in page order
            child = world.client.get_workflow_handle_for(
                ClientOutreachWorkflow.run, outreach_workflow_id(CAMPAIGN, cid(i))
            )
            results[cid(i)] = await child.result()
    assert summary.cancelled and progress.cancelled
    # no client was started after the cancel (clients started before it may still have been
    # waiting for their first permit)
    assert summary.clients == cancelled.started
    assert set(results) >= {unanswered, booked}
    assert summary.outcomes.get("scheduled") == 1 and sum(summary.outcomes.values()) == summary.clients
    assert progress.by_stage["done"] == summary.clients
    # only the two live calls were ever placed: the unanswered client's retry asked for a permit
    # after the cancel and was told to stop, and clients waiting for a first permit never dialled
    assert sorted(r.client_id for r in phone.placed) == sorted([unanswered, booked])
    assert results[booked].outcome is Outcome.SCHEDULED
    assert results[unanswered].attempts == 1
    assert all(r.attempts == 0 for c, r in results.items() if c not in (unanswered, booked))


# --- bad input ----------------------------------------------------------------------------------


async def run_failing(world: World, campaign: CampaignSpec) -> ApplicationError:
    handle = await start(world, campaign)
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    cause = info.value.cause
    if isinstance(cause, ActivityError):
        cause = cause.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_empty_campaign_fails_with_a_clear_error(time_env: WorkflowEnvironment, database: Database):
    async with running_world(time_env.client, database, scripts({}), clients=0) as world:
        error = await run_failing(world, spec())
    assert error.type == "EmptyCampaign"
    assert "has no clients" in error.message
    assert world.phone.placed == []


async def test_unknown_campaign_fails_with_a_clear_error(time_env: WorkflowEnvironment, database: Database):
    async with running_world(time_env.client, database, scripts({}), clients=1) as world:
        error = await run_failing(world, spec(campaign_id="camp-nope"))
    assert error.type == "NotFound"
    assert "unknown campaign 'camp-nope'" in error.message


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"max_concurrent_calls": 0}, "max_concurrent_calls"),
        ({"dials_per_minute": 0.0}, "dials_per_minute"),
        ({"page_size": 0}, "page_size"),
        ({"campaign_id": ""}, "campaign_id"),
    ],
)
async def test_invalid_spec_fails_before_any_work(
    time_env: WorkflowEnvironment, database: Database, overrides: dict[str, object], words: str
):
    async with running_world(time_env.client, database, scripts({}), clients=1) as world:
        handle = await world.client.start_workflow(
            CampaignWorkflow.run,
            CampaignInput(spec(**overrides)),
            id=campaign_workflow_id("invalid"),
            task_queue=world.task_queue,
        )
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        history = await handle.fetch_history()
    error = info.value.cause
    assert isinstance(error, ApplicationError)
    assert error.type == "InvalidCampaign" and words in error.message
    assert error.non_retryable
    assert not any(e.activity_task_scheduled_event_attributes.activity_id for e in history.events)
    assert world.phone.placed == []


# --- live throttle and circuit breakers (issue 15) ----------------------------------------------


async def test_throttle_changes_the_pace_of_a_running_campaign(
    time_env: WorkflowEnvironment, database: Database
):
    from temporalio.client import WorkflowUpdateFailedError

    from domain.messages import CampaignLimits

    async with running_world(
        time_env.client, database, scripts({}), clients=3, phone_type=GatedPhone
    ) as world:
        phone = world.phone
        assert isinstance(phone, GatedPhone)
        handle = await start(world, spec(max_concurrent_calls=1))
        await until(lambda: len(phone.dialed) == 1)  # one live call: the cap
        after = await handle.execute_update(CampaignWorkflow.throttle, CampaignLimits(max_concurrent_calls=3))
        assert after.max_concurrent_calls == 3 and after.dials_per_minute == 600.0
        await until(lambda: len(phone.dialed) == 3)  # the new cap lets the others dial now
        for bad in (
            CampaignLimits(max_concurrent_calls=0),
            CampaignLimits(dials_per_minute=-1),
            CampaignLimits(),
        ):
            with pytest.raises(WorkflowUpdateFailedError):
                await handle.execute_update(CampaignWorkflow.throttle, bad)
        phone.gate.set()
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert summary.outcomes == {"declined": 3}


async def test_a_circuit_breaker_pauses_the_campaign_on_opt_outs_until_resumed(
    time_env: WorkflowEnvironment, database: Database
):
    from domain.messages import CircuitBreakers

    breakers = CircuitBreakers(window_calls=4, min_calls=4, max_opt_out_rate=0.5)
    async with running_world(time_env.client, database, scripts({}, OPTS_OUT), clients=8) as world:
        handle = await start(world, spec(max_concurrent_calls=1, breakers=breakers))
        tripped = await progress_when(handle, time_env, lambda p: p.paused)
        assert "opt-out rate 100% over the last 4 calls (limit 50%)" in tripped.paused_because
        dialled_when_tripped = len(world.phone.placed)
        assert dialled_when_tripped == 4
        await asyncio.sleep(0.5)
        assert len(world.phone.placed) == dialled_when_tripped  # nothing dials while paused
        await handle.signal(CampaignWorkflow.resume)
        again = await progress_when(handle, time_env, lambda p: p.paused and len(world.phone.placed) == 8)
        assert again.paused_because  # the next window tripped it again
        # Every client is dialled by now: a pause stops new permits but holds no finished
        # campaign open, so it may complete before this resume arrives.
        try:
            await handle.signal(CampaignWorkflow.resume)
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert summary.outcomes == {"opted_out": 8}
