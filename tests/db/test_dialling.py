"""place_call against a carrier that misbehaves as Twilio can (issue 10, defect 1): the answer of
a create lost after the call exists, a worker dying between the create and the commit, two
executions of one attempt at once. Whatever the interleaving: at most one carrier call per
attempt, and every execution that returns a call returns that one."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.dialling import DialActivities
from adapters.telephony.base import CarrierCall, TelephonyError
from db.models import CallAttempt
from db.repositories import attempts
from db.seed import create_campaign, seed
from db.session import Database
from domain.messages import CallingWindow, PlaceCallRequest, PlaceCallResult

CAMPAIGN = "camp-dial"
DIAL_AT = datetime(2030, 3, 4, 20, 0, tzinfo=UTC)  # a weekday afternoon in every seeded zone
_keys = itertools.count()
_sids = itertools.count(1)


@dataclass
class FlakyCarrier:
    """Twilio's Calls resource with faults: `lose_answers` creates that succeed but answer with a
    timeout, `fail_first` creates refused with a 5xx before anything exists, `delay` per create."""

    lose_answers: int = 0
    fail_first: int = 0
    delay: float = 0.0
    calls: list[CarrierCall] = field(default_factory=list)
    hung_up: list[str] = field(default_factory=list)

    async def place_call(self, request: PlaceCallRequest, to_number: str) -> PlaceCallResult:
        await asyncio.sleep(self.delay)
        if self.fail_first > 0:
            self.fail_first -= 1
            raise TelephonyError("503 before create")
        sid = f"CA{next(_sids):032d}"  # unique across examples that share one database
        self.calls.append(CarrierCall(sid, "ringing", datetime.now(UTC)))
        self._numbers[sid] = to_number
        if self.lose_answers > 0:
            self.lose_answers -= 1
            raise TelephonyError("read timeout after create")
        return PlaceCallResult(call_sid=sid)

    async def find_calls(self, to_number: str, since: datetime) -> list[CarrierCall]:
        return [c for c in self.calls if self._numbers[c.sid] == to_number and c.created_at >= since]

    async def hangup(self, call_sid: str) -> None:
        self.hung_up.append(call_sid)

    def __post_init__(self) -> None:
        self._numbers: dict[str, str] = {}


async def _client(db: Database) -> str:
    async with db.session() as session:
        result = await seed(session, brokers=1, clients=1, seed_value=next(_keys) + 100)
        await create_campaign(session, f"{CAMPAIGN}-{result.client_ids[0]}", "Dialling", result.client_ids)
    return result.client_ids[0]


def _request(client_id: str, key: str) -> PlaceCallRequest:
    return PlaceCallRequest(
        f"outreach:{CAMPAIGN}:{client_id}",
        CAMPAIGN,
        client_id,
        1,
        key,
        dialled_at=DIAL_AT,
        window=CallingWindow(0, 24),
    )


async def _run(env: ActivityEnvironment, activity: Any, request: PlaceCallRequest) -> PlaceCallResult | str:
    try:
        result: PlaceCallResult = await env.run(activity, request)
        return result
    except (TelephonyError, ApplicationError) as exc:
        return type(exc).__name__


async def test_a_retry_after_a_lost_answer_adopts_the_call(database: Database):
    client_id = await _client(database)
    carrier = FlakyCarrier(lose_answers=1)
    dial = DialActivities(database, carrier)
    env = ActivityEnvironment()
    request = _request(client_id, "k-lost")
    # the first execution's create succeeded at the carrier, its answer was lost: it adopts the
    # call itself from the carrier's list before giving up
    first = await env.run(dial.place_call, request)
    again = await env.run(dial.place_call, request)
    assert len(carrier.calls) == 1
    assert first.call_sid == again.call_sid == carrier.calls[0].sid and first.adopted


async def test_a_worker_that_died_between_create_and_commit_is_not_dialled_twice(database: Database):
    """The row says `dialing` (the carrier was asked) and holds no sid: the next execution asks
    the carrier what it made since then and adopts it."""
    client_id = await _client(database)
    carrier = FlakyCarrier()
    dial = DialActivities(database, carrier)
    request = _request(client_id, "k-crash")
    async with database.session() as session:
        row, _ = await attempts.record_attempt(
            session, request.idempotency_key, CAMPAIGN, client_id, 1, None, "x"
        )
        await attempts.set_status(session, row, attempts.DIALING, dial_started_at=datetime.now(UTC))
    await carrier.place_call(request, await _phone(database, client_id))  # the dead worker's dial
    result = await ActivityEnvironment().run(dial.place_call, request)
    assert len(carrier.calls) == 1 and result.call_sid == carrier.calls[0].sid and result.adopted


async def test_two_concurrent_executions_of_one_attempt_dial_once(database: Database):
    client_id = await _client(database)
    carrier = FlakyCarrier(delay=0.3)  # slow enough that both are in flight together
    dial = DialActivities(database, carrier)
    request = _request(client_id, "k-race")
    first, second = await asyncio.gather(
        ActivityEnvironment().run(dial.place_call, request),
        ActivityEnvironment().run(dial.place_call, request),
    )
    assert len(carrier.calls) == 1
    assert first.call_sid == second.call_sid == carrier.calls[0].sid


async def test_a_deferred_dial_leaves_no_attempt_that_caps_would_count(database: Database):
    client_id = await _client(database)
    carrier = FlakyCarrier()
    dial = DialActivities(database, carrier)
    night = datetime(2030, 3, 5, 7, 0, tzinfo=UTC)  # 02:00 in New York, 23:00 in Los Angeles
    request = PlaceCallRequest(
        f"outreach:{CAMPAIGN}:{client_id}", CAMPAIGN, client_id, 1, "k-night", dialled_at=night
    )
    result = await ActivityEnvironment().run(dial.place_call, request)
    assert result.call_sid is None and result.gate is not None and result.gate.retry_at is not None
    assert carrier.calls == []
    async with database.session() as session:
        [row] = (await session.execute(select(CallAttempt))).scalars().all()
        assert row.status == attempts.PENDING
        assert await attempts.count_attempts(session, CAMPAIGN, client_id) == 0


async def _phone(db: Database, client_id: str) -> str:
    from db.models import Client

    async with db.session() as session:
        row = await session.get(Client, client_id)
        assert row is not None
        return row.phone


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    executions=st.integers(min_value=1, max_value=3),
    lose_answers=st.integers(min_value=0, max_value=2),
    fail_first=st.integers(min_value=0, max_value=2),
    delay=st.sampled_from([0.0, 0.05, 0.2]),
    stagger=st.lists(st.sampled_from([0.0, 0.02, 0.1]), min_size=3, max_size=3),
)
async def test_any_interleaving_of_executions_and_faults_makes_at_most_one_call(
    sqlite_db: Database,
    executions: int,
    lose_answers: int,
    fail_first: int,
    delay: float,
    stagger: list[float],
) -> None:
    client_id = await _client(sqlite_db)
    carrier = FlakyCarrier(lose_answers=lose_answers, fail_first=fail_first, delay=delay)
    dial = DialActivities(sqlite_db, carrier)
    request = _request(client_id, f"k-prop-{next(_keys)}")

    async def one(pause: float) -> PlaceCallResult | str:
        await asyncio.sleep(pause)
        return await _run(ActivityEnvironment(), dial.place_call, request)

    outcomes = await asyncio.gather(*(one(stagger[i]) for i in range(executions)))
    # Temporal retries until one execution answers: keep retrying, sequentially
    for _ in range(6):
        if any(isinstance(o, PlaceCallResult) for o in outcomes):
            break
        outcomes.append(await one(0))
    assert len(carrier.calls) <= 1
    sids = {o.call_sid for o in outcomes if isinstance(o, PlaceCallResult)}
    assert sids == {carrier.calls[0].sid} if carrier.calls else sids == set()
    assert carrier.hung_up == []
    assert timedelta(0) <= datetime.now(UTC) - carrier.calls[0].created_at if carrier.calls else True
