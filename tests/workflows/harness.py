"""A running worker over real activities and local adapters, with the scripted phone standing in
for the telephone network, api webhooks and media server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from temporalio.client import Client

from adapters.crm.base import Crm
from adapters.scheduling.base import Scheduling
from db.local.calendar import LocalScheduling
from db.local.crm import LocalCrm
from db.local.outbox import LocalOutbox
from db.models import Broker
from db.models import Client as ClientRow
from db.seed import create_campaign, seed
from db.session import Database
from settings import Settings
from sim.scripted_phone import ScriptedPhone, Step
from worker import Adapters, build_workers, run_workers


@dataclass
class World:
    client: Client
    db: Database
    phone: ScriptedPhone
    task_queue: str
    client_ids: list[str]
    broker_ids: list[str]


async def first_free_slot_finder(db: Database) -> Callable[[str, datetime], object]:
    scheduling = LocalScheduling(db)

    async def find(client_id: str, now: datetime) -> datetime | None:
        async with db.session() as session:
            row = await session.get(ClientRow, client_id)
            assert row is not None
            broker_id = row.broker_id
        slots = await scheduling.free_slots(broker_id, now, 14)
        return slots[0] if slots else None

    return find


@asynccontextmanager
async def running_world(
    client: Client,
    db: Database,
    script_for: Callable[[str, int], Sequence[Step]],
    clients: int = 1,
    campaign_id: str = "camp-1",
    inline: bool = True,
    phone_type: type[ScriptedPhone] = ScriptedPhone,
    scheduling: Scheduling | None = None,
    crm: Crm | None = None,
    settings_overrides: dict[str, object] | None = None,
    roles: Sequence[str | None] = (None,),
) -> AsyncIterator[World]:
    """`roles`: the worker processes' roles (worker.WORKER_ROLES), each built as its own set of
    workers; the default is one worker running both sides."""
    async with db.session() as session:
        seeded = await seed(session, brokers=1, clients=clients, seed_value=1)
        for client_id in seeded.client_ids:  # every test client is eligible for dental
            row = await session.get(ClientRow, client_id)
            assert row is not None
            row.eligible, row.coverage_gaps = True, ["dental", "vision"]
        broker = (await session.execute(select(Broker))).scalar_one()
        broker.work_days = "0,1,2,3,4,5,6"  # slots every day, so tests do not depend on the weekday
        broker.work_start_hour, broker.work_end_hour = 0, 24
        await session.commit()
        await create_campaign(session, campaign_id, "Test campaign", seeded.client_ids)
    finder = await first_free_slot_finder(db)
    phone = phone_type(client=client, script_for=script_for, slot_finder=finder, inline=inline)  # type: ignore[arg-type]
    task_queue = f"test-{uuid.uuid4().hex[:8]}"
    settings = Settings(task_queue=task_queue, dials_per_second=1000, **(settings_overrides or {}))
    adapters = Adapters(
        db=db,
        telephony=phone,
        crm=crm or LocalCrm(db),
        email=LocalOutbox(db),
        scheduling=scheduling or LocalScheduling(db),
    )
    workers = [worker for role in roles for worker in build_workers(client, settings, adapters, only=role)]
    stop = asyncio.Event()
    runner = asyncio.create_task(run_workers(workers, stop, handle_signals=False))
    try:
        yield World(client, db, phone, task_queue, seeded.client_ids, seeded.broker_ids)
    finally:
        stop.set()
        await runner
