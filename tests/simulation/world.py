"""One world for a whole simulation run: the time-skipping server, a worker over the real
workflows and activities that replays every task from history (no workflow cache), a SQLite
database, and adapters that misbehave per client as each timeline says."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from adapters.scheduling.base import BookedSlot
from db.local.calendar import LocalScheduling
from db.local.crm import LocalCrm
from db.local.outbox import LocalOutbox
from db.models import Broker
from db.models import Client as ClientRow
from db.seed import create_campaign, seed
from db.session import Database
from domain.ids import broker_callback_workflow_id, outreach_workflow_id, parse_outreach_workflow_id
from domain.messages import CallbackCompleted, OutreachResult, PlaceCallRequest, PlaceCallResult
from settings import Settings
from sim.scripted_phone import CarrierFaults, ScriptedPhone
from tests.simulation.timelines import ClientPlan
from worker import Adapters, build_workers, run_workers
from workflows.broker_callback import BrokerCallbackWorkflow
from workflows.outreach import ClientOutreachWorkflow

CALLBACK_SEQS = range(8)  # callback workflows one timeline can start (the plans ask for fewer)


class Faulty:
    """Which clients' side effects fail once after they succeeded (a lost answer)."""

    def __init__(self) -> None:
        self.crm: set[str] = set()
        self.email: set[str] = set()
        self.calendar: set[str] = set()
        self.fired: list[str] = []

    def fire(self, kind: set[str], client_id: str, what: str) -> None:
        if client_id in kind:
            kind.discard(client_id)
            self.fired.append(f"{what}:{client_id}")
            raise RuntimeError(f"{what}: answer lost after the write (simulated)")


class FlakyCrm(LocalCrm):
    def __init__(self, db: Database, faults: Faulty) -> None:
        super().__init__(db)
        self._faults = faults

    async def write_outcome(
        self, key: str, client_id: str, campaign_id: str, outcome: str, note: str, appointment_id: str | None
    ) -> str:
        record = await super().write_outcome(key, client_id, campaign_id, outcome, note, appointment_id)
        self._faults.fire(self._faults.crm, client_id, "crm")
        return record


class FlakyOutbox(LocalOutbox):
    def __init__(self, db: Database, faults: Faulty) -> None:
        super().__init__(db)
        self._faults = faults

    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        message = await super().send(key, to_address, subject, body, template)
        workflow_id = key.split("/")[0]
        if workflow_id.startswith("outreach:"):  # the plans fault the client's own email only
            self._faults.fire(self._faults.email, parse_outreach_workflow_id(workflow_id)[1], "email")
        return message


class FlakyCalendar(LocalScheduling):
    def __init__(self, db: Database, faults: Faulty) -> None:
        super().__init__(db)
        self._faults = faults

    async def book(
        self,
        key: str,
        campaign_id: str,
        client_id: str,
        broker_id: str,
        slot_start: datetime,
        product: str,
        call_sid: str,
    ) -> BookedSlot:
        booked = await super().book(key, campaign_id, client_id, broker_id, slot_start, product, call_sid)
        self._faults.fire(self._faults.calendar, client_id, "calendar")
        return booked


@dataclass
class TimelinePhone(ScriptedPhone):
    """The scripted carrier, playing each client's planned calls with the planned faults, and
    noting the server's clock at every create (the instant of the dial)."""

    env: WorkflowEnvironment | None = None
    plans: dict[str, ClientPlan] = field(default_factory=dict)
    instants: dict[str, datetime] = field(default_factory=dict)
    after_dial: Callable[[str, int], Awaitable[None]] | None = None
    _faulted: set[tuple[str, int]] = field(default_factory=set)

    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        assert self.env is not None
        key = (request.client_id, request.attempt)
        plan = self.plans[request.client_id].dial(request.attempt)
        if key not in self._faulted:
            self._faulted.add(key)
            self.faults = CarrierFaults(
                answer_lost=int(bool(plan and plan.answer_lost)),
                fail_before_create=plan.fail_before_create if plan else 0,
            )
        instant = await self.env.get_current_time()
        before = len(self.created)
        try:
            return await super().place_call(request, to_number)
        finally:
            if len(self.created) > before:
                self.instants[self.created[-1].sid] = instant
                if self.after_dial is not None:
                    dials = sum(1 for c in self.created if c.request.client_id == request.client_id)
                    await self.after_dial(request.client_id, dials)

    async def _now(self, handle: WorkflowHandle[ClientOutreachWorkflow, OutreachResult]) -> datetime:
        """The test server's clock, which is the workflow's: a status query here could race the
        workflow's completion (a script's last step after an opt-out), and the time-skipping
        server keeps time locked for a query task that never runs."""
        assert self.env is not None
        return await self.env.get_current_time()


class SimWorld:
    """The shared world. A plain class, not a dataclass: hypothesis prints a failing example's
    fixtures, and this one holds every call of the run. Every ROTATE_EVERY timelines it starts a
    fresh time-skipping server and worker (the test server slows down as closed workflows pile
    up); the database stays."""

    ROTATE_EVERY = 20
    CLOCK_PROBE_SECONDS = 20.0

    def __init__(self, workdir: Path) -> None:
        self.db = Database(f"sqlite+aiosqlite:///{workdir / 'sim.db'}")
        self.faults = Faulty()
        self.phone = TimelinePhone(
            client=None, script_for=lambda c, a: (), slot_finder=_first_free(self.db), inline=True
        )  # type: ignore[arg-type]
        self.phone.script_for = lambda client_id, attempt: self.phone.plans[client_id].script_for(attempt)
        self.counter = itertools.count(1)
        self.task_queue = ""
        self._env: WorkflowEnvironment | None = None
        self._stop: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        self._since_rotation = 0
        self._clock_leaked = False  # a callback workflow closed after its parent (see tidy)
        self.started: list[tuple[str, str]] = []  # (campaign, client) on the current server
        self.stuck_clocks: list[str] = []  # what held the clock when it would not skip

    def __repr__(self) -> str:
        return "SimWorld(...)"

    @property
    def env(self) -> WorkflowEnvironment:
        assert self._env is not None
        return self._env

    @property
    def client(self) -> Client:
        return self.env.client

    async def open(self) -> None:
        await self.db.create_all()
        await self._start_server()

    async def close(self) -> None:
        await self._stop_server()
        await self.db.dispose()

    async def _start_server(self) -> None:
        from temporal_client import build_data_converter, ensure_search_attributes
        from tests.conftest import skip_to_calling_hours, start_test_env

        self._env = await start_test_env(data_converter=build_data_converter(Settings()))
        await ensure_search_attributes(self._env.client)
        await skip_to_calling_hours(self._env)
        self.phone.client = self._env.client
        self.phone.env = self._env
        self.task_queue = f"sim-{uuid.uuid4().hex[:8]}"
        settings = Settings(task_queue=self.task_queue, dials_per_second=1000)
        adapters = Adapters(
            db=self.db,
            telephony=self.phone,
            crm=FlakyCrm(self.db, self.faults),
            email=FlakyOutbox(self.db, self.faults),
            scheduling=FlakyCalendar(self.db, self.faults),
        )
        workers = build_workers(self._env.client, settings, adapters, max_cached_workflows=0)
        self._stop = asyncio.Event()
        self._runner = asyncio.create_task(run_workers(workers, self._stop, handle_signals=False))

    async def _stop_server(self) -> None:
        if self._stop is not None and self._runner is not None:
            self._stop.set()
            await self._runner
        if self._env is not None:
            await self._env.shutdown()
        self._env = None

    async def new_client(self, plan: ClientPlan) -> tuple[str, str, str]:
        """Seed one client (and its broker) for `plan`; returns (campaign_id, client_id, broker_id)."""
        self._since_rotation += 1
        if self._since_rotation > self.ROTATE_EVERY or self._clock_leaked or not await self._clock_skips():
            await self._rotate()
        n = next(self.counter)
        async with self.db.session() as session:
            seeded = await seed(session, brokers=1, clients=1, seed_value=1000 + n)
            client_id, broker_id = seeded.client_ids[0], seeded.broker_ids[0]
            row = await session.get(ClientRow, client_id)
            broker = (await session.execute(select(Broker).where(Broker.id == broker_id))).scalar_one()
            assert row is not None
            row.timezone, row.state, row.eligible, row.coverage_gaps = (
                plan.timezone,
                plan.state,
                True,
                ["dental"],
            )
            broker.work_days, broker.work_start_hour, broker.work_end_hour = "0,1,2,3,4,5,6", 0, 24
            await session.commit()
            campaign_id = f"sim-{n}"
            await create_campaign(session, campaign_id, "Simulation", [client_id])
        self.started.append((campaign_id, client_id))
        self.phone.plans[client_id] = plan
        for flag, kind in (
            (plan.crm_fails_after_write, self.faults.crm),
            (plan.email_fails_after_send, self.faults.email),
            (plan.calendar_fails_after_booking, self.faults.calendar),
        ):
            if flag:
                kind.add(client_id)
        return campaign_id, client_id, broker_id

    async def _rotate(self) -> None:
        self._since_rotation = 1
        self._clock_leaked = False
        await self._stop_server()
        await self._start_server()
        self.started = []

    async def _clock_skips(self) -> bool:
        """Between timelines nothing of ours runs, so an hour must skip at once. When it does not,
        something on the test server still holds its time-skipping lock; note what our
        workflows were doing (for the log) and let the caller start a fresh server, so one
        leaked lock cannot fail every later timeline. The database, and so every invariant
        checked over it, carries over."""
        try:
            await asyncio.wait_for(self.env.sleep(timedelta(hours=1)), self.CLOCK_PROBE_SECONDS)
            return True
        except (TimeoutError, RPCError) as err:
            held = await self.describe_started()
            self.stuck_clocks.append(f"{type(err).__name__}: {held}")
            print(
                f"simulation: the test server's clock did not skip ({err!r}); still open: {held}",
                file=sys.stderr,
            )  # noqa: T201
            return False

    async def describe_started(self) -> list[str]:
        """Our workflows on the current server that are not closed, with their pending
        activities (the test server has no visibility list, so we describe the ids we started)."""
        found: list[str] = []
        for campaign_id, client_id in self.started:
            ids = [outreach_workflow_id(campaign_id, client_id)]
            ids += [broker_callback_workflow_id(campaign_id, client_id, seq) for seq in CALLBACK_SEQS]
            for workflow_id in ids:
                request = DescribeWorkflowExecutionRequest(
                    namespace=self.client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
                )
                try:
                    described = await self.client.workflow_service.describe_workflow_execution(request)
                except RPCError:
                    continue  # never started
                pending = [a.activity_type.name for a in described.pending_activities]
                if described.workflow_execution_info.status == 1 or pending:  # 1: RUNNING
                    found.append(
                        f"{workflow_id} status={described.workflow_execution_info.status} pending={pending}"
                    )
        return found

    async def tidy(self, campaign_id: str, client_id: str) -> None:
        """End what a timeline left running on purpose (a broker's callback workflow waits for
        days), so the next timeline's time skips do not carry every earlier client along. The
        broker marks each callback done and we wait for its workflow to finish (terminating it
        mid-activity would leave that activity's time-skipping lock held). The Java test server
        also takes a lock to tell the parent that an abandoned child closed and never drops it
        when the parent has already closed, as the outreach workflow has by now: so after any
        callback workflow closes, the next timeline starts on a fresh server."""
        for seq in CALLBACK_SEQS:
            handle = self.client.get_workflow_handle_for(
                BrokerCallbackWorkflow.run, broker_callback_workflow_id(campaign_id, client_id, seq)
            )
            try:
                await handle.signal(BrokerCallbackWorkflow.completed, CallbackCompleted("simulation over"))
            except RPCError:
                continue  # never started, or already closed
            self._clock_leaked = True
            with contextlib.suppress(RPCError, WorkflowFailureError):
                await asyncio.wait_for(handle.result(), self.CLOCK_PROBE_SECONDS)


@asynccontextmanager
async def sim_world(workdir: Path) -> AsyncIterator[SimWorld]:
    world = SimWorld(workdir)
    await world.open()
    try:
        yield world
    finally:
        await world.close()


def _first_free(db: Database):  # type: ignore[no-untyped-def]
    scheduling = LocalScheduling(db)

    async def find(client_id: str, now: datetime) -> datetime | None:
        async with db.session() as session:
            row = await session.get(ClientRow, client_id)
            assert row is not None
            broker_id = row.broker_id
        slots = await scheduling.free_slots(broker_id, now, 14)
        return slots[0] if slots else None

    return find
