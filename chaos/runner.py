"""`gyde chaos`: campaigns through the real processes — Temporal dev server, worker, api, media
server, phone simulator, a private PostgreSQL and Redis — one scenario (one fault) per
campaign, each judged by the invariants in chaos/checks.py."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from chaos.checks import ScenarioReport, check, client_states
from chaos.scenarios import ChaosContext, Scenario
from chaos.services import BlackHole, PrivatePostgres, PrivateRedis
from domain.ids import outreach_workflow_id
from domain.messages import CampaignInput, CampaignSpec, CircuitBreakers
from settings import Settings
from stack.supervisor import Supervisor, free_port

PERSONA_SEED = 40


def chaos_spec(campaign_id: str, concurrency: int) -> CampaignSpec:
    from stack.personas import demo_spec

    spec: CampaignSpec = demo_spec(campaign_id)
    # Faults are injected on purpose: a campaign pausing itself on their error rate is right in
    # production and would only hide what chaos wants to see here.
    return replace(
        spec,
        max_concurrent_calls=concurrency,
        page_size=10,
        reconcile_seconds=20,
        breakers=CircuitBreakers(enabled=False),
    )


async def run_chaos(
    scenarios: list[Scenario],
    clients: int,
    workdir: Path,
    deadline_s: float,
    concurrency: int = 6,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[ScenarioReport]:
    import temporal_client
    from db.session import Database
    from stack.personas import seed_persona_campaign
    from stack.processes import start_stack
    from workflows.campaign import CampaignWorkflow

    pg, redis, hole = PrivatePostgres(), PrivateRedis(), BlackHole()
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(quiet=True, log_dir=logs)
    reports: list[ScenarioReport] = []
    db: Database | None = None
    try:
        await pg.start()
        await redis.start()
        await hole.start()
        settings = Settings(
            temporal_address=f"127.0.0.1:{free_port()}",
            temporal_ui_port=free_port(),
            api_port=free_port(),
            media_port=free_port(),
            task_queue=f"chaos-{int(time.time())}",
        )
        progress(f"starting the stack (PostgreSQL :{pg.port}, Redis :{redis.port}) ...")
        info = await start_stack(
            settings,
            supervisor,
            pg.url,
            time_scale=0.05,
            temporal_db=workdir / "temporal-chaos.db",
            sim_port=free_port(),
            extra_env={"GYDE_REDIS_URL": redis.url},
        )
        db = Database(pg.url)
        client = await temporal_client.connect(settings)
        for index, scenario in enumerate(scenarios):
            campaign_id = f"chaos-{scenario.name}-{datetime.now(UTC):%H%M%S}"
            ctx = ChaosContext(supervisor, info.sim_url, pg, redis, hole, campaign_id)
            members = await seed_persona_campaign(
                db, info.sim_url, campaign_id, clients, PERSONA_SEED + index, 2, brokers_always_available=True
            )
            progress(f"{scenario.name}: {scenario.what} ({clients} clients)")
            await scenario.prepare(ctx)
            spec = chaos_spec(campaign_id, concurrency)
            handle = await client.start_workflow(
                CampaignWorkflow.run,
                CampaignInput(spec),
                id=f"campaign:{campaign_id}",
                task_queue=settings.task_queue,
            )
            injector = asyncio.create_task(scenario.inject(ctx))
            try:
                await _until_settled(client, campaign_id, members, deadline_s)
            finally:
                if not injector.done():
                    injector.cancel()
                with contextlib.suppress(BaseException):
                    await injector
                await scenario.restore(ctx)
            report = await check(
                scenario.name,
                client,
                db,
                info.sim_url,
                campaign_id,
                members,
                spec.window,
                state_rules_waived=True,
            )
            reports.append(replace(report, detail="; ".join([*ctx.log, report.detail]).strip("; ")))
            progress(f"{scenario.name}: {report}")
            await _tidy(client, handle, campaign_id)
    finally:
        if db is not None:
            await db.dispose()
        await supervisor.stop()
        await hole.stop()
        await redis.stop()
        await pg.stop()
    return reports


async def _until_settled(client: Client, campaign_id: str, members: list[str], deadline_s: float) -> None:
    """Until every client's workflow closed or parked on a callback hours away, or the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while loop.time() < deadline:
        try:
            states = await client_states(client, campaign_id)
        except Exception:  # noqa: BLE001 - the dev server may be busy; ask again
            states = {}
        now = datetime.now(UTC)
        if len(states) >= len(members) and all(s.settled(now) for s in states.values()):
            return
        await asyncio.sleep(2)


async def _tidy(client: Client, handle: WorkflowHandle[Any, Any], campaign_id: str) -> None:
    """Parked clients and their campaign would wait for days: end them so the next scenario's
    dev server carries nothing along."""
    with contextlib.suppress(RPCError):
        await handle.terminate("chaos scenario over")
    for client_id, state in (await client_states(client, campaign_id)).items():
        if state.running:
            with contextlib.suppress(RPCError):
                await client.get_workflow_handle(outreach_workflow_id(campaign_id, client_id)).terminate(
                    "chaos scenario over"
                )
