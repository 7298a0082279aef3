"""`gyde bench campaign --clients N`: one campaign of N clients through the real workflows and
activities (scripted phone in instant mode, the product's database: PostgreSQL when
GYDE_DATABASE_URL names it, else a fresh SQLite file), then, on the same Temporal dev server,
N bare workflows running the same number of no-op activities each. Both worker processes are
children, so their CPU and peak memory are measured alone; per-client costs are counted from
the recorded histories."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from settings import Settings
from stack.supervisor import Service, Supervisor, free_port, temporal_dev_server_command

HISTORY_SAMPLE = 200  # client histories read for the per-client counts
BARE_IN_FLIGHT = 500  # bare workflows running at once (the lifecycle's live-call cap, too)
POLL_LIMIT_RETRIES = 120  # waits on one bare workflow's result the server may refuse
LOCAL_ACTIVITY_MARKER = "core_local_activity"  # the SDK core's marker name for a local activity


def in_memory(command: list[str]) -> list[str]:
    """The dev server without its SQLite file: the bench measures our lifecycle, not the disk
    (the file serialises every write of a single-writer database through fsync)."""
    if "--db-filename" not in command:
        return command
    at = command.index("--db-filename")
    return command[:at] + command[at + 2 :]


def session_cpu_seconds(session_id: int) -> float:
    """CPU seconds (user + system) of every live process in a session: the dev server runs
    under a launcher, so the server's cost is its whole session's (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we read
        if int(fields[3]) == session_id:  # fields after the name: state, ppid, pgrp, session
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def phase_timeout(clients: int) -> float:
    """Give up on a phase (a stuck worker, a failing workflow task) instead of waiting forever."""
    return 300.0 + clients * 3.0


def database_for(settings: Settings, workdir: Path) -> str:
    url = settings.database_url
    return url if url.startswith("postgresql") else f"sqlite+aiosqlite:///{workdir / 'bench.db'}"


def _exists(path: str) -> bool:
    return os.path.exists(path)


def _read_json(path: str) -> dict[str, float]:
    """The child's stats file ({} when it wrote none: it was killed)."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        loaded: dict[str, float] = json.load(handle)
    return loaded


@asynccontextmanager
async def worker_process(
    workdir: Path,
    mode: str,
    temporal_address: str,
    task_queue: str,
    database_url: str = "",
    only: str | None = None,
) -> AsyncIterator[dict[str, float]]:
    """A bench worker child; the dict it yields is filled with its stats once it stopped."""
    name = f"{mode}-{only}" if only else mode
    config: dict[str, Any] = {
        "mode": mode,
        "only": only,
        "temporal_address": temporal_address,
        "task_queue": task_queue,
        "database_url": database_url,
        "ready_path": str(workdir / f"{name}.ready"),
        "stats_path": str(workdir / f"{name}.stats.json"),
    }
    path = workdir / f"{name}.json"
    path.write_text(json.dumps(config))
    log = (workdir / f"{name}.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.campaign_worker", str(path), stdout=log, stderr=log
    )
    stats: dict[str, float] = {}
    try:
        for _ in range(600):
            if _exists(config["ready_path"]) or proc.returncode is not None:
                break
            await asyncio.sleep(0.1)
        if proc.returncode is not None or not _exists(config["ready_path"]):
            raise RuntimeError(f"bench worker ({name}) did not start; see {workdir / (name + '.log')}")
        yield stats
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
        log.close()
        stats.update(_read_json(config["stats_path"]))


@asynccontextmanager
async def worker_processes(
    workdir: Path,
    mode: str,
    temporal_address: str,
    task_queue: str,
    database_url: str = "",
    split: bool = False,
) -> AsyncIterator[dict[str, float]]:
    """One worker child, or with `split` two (workflows, activities: `gyde worker --only`). The
    dict it yields is filled once they stopped: CPU summed, peak RSS of the larger, and each
    side's own under `<role>_cpu_s` / `<role>_peak_rss_mb`."""
    roles: tuple[str | None, ...] = ("workflows", "activities") if split else (None,)
    combined: dict[str, float] = {}
    parts: list[tuple[str | None, dict[str, float]]] = []
    try:
        async with AsyncExitStack() as stack:
            for role in roles:
                stats = await stack.enter_async_context(
                    worker_process(workdir, mode, temporal_address, task_queue, database_url, only=role)
                )
                parts.append((role, stats))
            yield combined
    finally:
        combined["cpu_s"] = round(sum(stats.get("cpu_s", 0.0) for _, stats in parts), 2)
        combined["peak_rss_mb"] = max((stats.get("peak_rss_mb", 0.0) for _, stats in parts), default=0.0)
        for role, stats in parts:
            if role is not None:
                combined[f"{role}_cpu_s"] = stats.get("cpu_s", 0.0)
                combined[f"{role}_peak_rss_mb"] = stats.get("peak_rss_mb", 0.0)


async def seed_campaign(database_url: str, campaign_id: str, clients: int, brokers: int, seed: int) -> None:
    from sqlalchemy import update

    from db.migrate import upgrade
    from db.models import Broker, Client
    from db.seed import create_campaign
    from db.seed import seed as seed_rows
    from db.session import Database

    await upgrade(database_url)
    db = Database(database_url)
    try:
        async with db.session() as session:
            seeded = await seed_rows(session, brokers, clients, seed)
            await session.execute(
                update(Client).where(Client.id.in_(seeded.client_ids)).values(eligible=True)
            )
            # Brokers take appointments at any hour, so booking never depends on when the bench
            # runs; two-hour slots keep a fortnight's list (168) near a real broker's (9-17 on
            # weekdays in half hours: 160), so each client carries a realistic slot list.
            await session.execute(
                update(Broker)
                .where(Broker.id.in_(seeded.broker_ids))
                .values(work_start_hour=0, work_end_hour=24, work_days="0,1,2,3,4,5,6", slot_minutes=120)
            )
            await session.commit()
            await create_campaign(session, campaign_id, "bench", seeded.client_ids)
    finally:
        await db.dispose()


def bench_spec(campaign_id: str, clients: int) -> Any:
    from domain.messages import CallingWindow, CircuitBreakers, RetryPolicySpec
    from stack.personas import demo_spec

    return replace(
        demo_spec(campaign_id),
        max_concurrent_calls=min(clients, 500),
        dials_per_minute=1_000_000.0,
        max_attempts=2,
        window=CallingWindow(start_hour=0, end_hour=24),
        retry=RetryPolicySpec(base_minutes=0.01, multiplier=1.0, max_minutes=0.01),
        page_size=500,
        # The persona mix ends its quickest calls first (opt-outs among them), which would trip
        # the opt-out breaker and pause the campaign, as it should for a real campaign.
        breakers=CircuitBreakers(enabled=False),
    )


async def history_counts(client: Any, campaign_id: str, campaign_wid: str) -> dict[str, float]:
    """Per-client costs (median over a sample of client histories) and the longest campaign run."""
    from temporalio.api.enums.v1 import EventType as E

    counted = {
        "activities": (E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,),
        "local_activities": (E.EVENT_TYPE_MARKER_RECORDED,),
        "signals": (E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,),
        "updates": (E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,),
        "timers": (E.EVENT_TYPE_TIMER_STARTED,),
    }
    per: dict[str, list[int]] = {name: [] for name in [*counted, "events"]}
    query = f'CampaignId = "{campaign_id}" AND WorkflowType = "ClientOutreachWorkflow"'
    async for execution in client.list_workflows(query, limit=HISTORY_SAMPLE):
        history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        # A patch marker (workflow.patched) is a marker too, but no activity.
        types = [
            event.event_type
            for event in history.events
            if event.event_type != E.EVENT_TYPE_MARKER_RECORDED
            or event.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
        ]
        per["events"].append(len(history.events))
        for name, wanted in counted.items():
            per[name].append(sum(1 for t in types if t in wanted))
    campaign_max = 0
    async for run in client.list_workflows(f'WorkflowId = "{campaign_wid}"'):
        history = await client.get_workflow_handle(run.id, run_id=run.run_id).fetch_history()
        campaign_max = max(campaign_max, len(history.events))
    out = {f"{name}_per_client": round(statistics.mean(v), 2) if v else 0.0 for name, v in per.items()}
    out["history_events_per_client_p50"] = statistics.median(per["events"]) if per["events"] else 0
    out["campaign_history_events_max"] = campaign_max
    out["histories_sampled"] = len(per["events"])
    return out


async def run_lifecycle(client: Any, spec: Any, task_queue: str) -> tuple[float, Any]:
    from domain.ids import campaign_workflow_id
    from domain.messages import CampaignInput
    from workflows.campaign import CampaignWorkflow

    started = time.monotonic()
    handle = await client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(spec),
        id=campaign_workflow_id(spec.campaign_id),
        task_queue=task_queue,
    )
    summary = await handle.result()
    return time.monotonic() - started, summary


async def run_bare(client: Any, clients: int, activities: int, task_queue: str) -> float:
    from bench.bare_workflow import BareWorkflow

    # Start and result wait both inside the gate: at 10,000 an ungated wait per workflow made
    # 10,000 concurrent long polls, which the dev server refused ("namespace concurrent poller
    # limit exceeded") and the retries throttled the phase to ~2 workflows/s.
    gate = asyncio.Semaphore(BARE_IN_FLIGHT)
    prefix = f"bench-bare-{os.getpid()}-{time.time_ns()}"

    async def one(index: int) -> None:
        async with gate:
            handle = await client.start_workflow(
                BareWorkflow.run, activities, id=f"{prefix}-{index}", task_queue=task_queue
            )
            await _result_despite_poll_limits(handle)

    started = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(clients)))
    return time.monotonic() - started


async def _result_despite_poll_limits(handle: Any, pause: float = 1.0) -> Any:
    """A bare workflow's result. At 10,000 workflows the dev server refused some of the waits
    with "namespace concurrent poller limit exceeded" (RESOURCE_EXHAUSTED) once the SDK's own
    retries ran out, which aborted the whole bench; such a wait is simply made again."""
    from temporalio.service import RPCError, RPCStatusCode

    for _ in range(POLL_LIMIT_RETRIES):
        try:
            return await handle.result()
        except RPCError as err:
            if err.status is not RPCStatusCode.RESOURCE_EXHAUSTED:
                raise
            await asyncio.sleep(pause)
    return await handle.result()


async def count_completed(client: Any, campaign_id: str) -> int:
    query = (
        f'CampaignId = "{campaign_id}" AND WorkflowType = "ClientOutreachWorkflow" '
        f'AND ExecutionStatus = "Completed"'
    )
    for _ in range(50):  # visibility trails the histories by a moment
        count = int((await client.count_workflows(query)).count)
        if count:
            return count
        await asyncio.sleep(0.2)
    return 0


async def bench_campaign(
    settings: Settings, clients: int, seed: int = 1, split_workers: bool = False
) -> dict[str, Any]:
    import temporal_client

    if clients < 1:
        raise ValueError("--clients must be at least 1")
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gyde-bench-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        address = f"127.0.0.1:{port}"
        local = settings.model_copy(update={"temporal_address": address, "temporal_ui_port": free_port()})
        database_url = database_for(settings, workdir)
        campaign_id = f"bench-{clients}-{time.strftime('%Y%m%d%H%M%S')}"
        seed_value = seed if not database_url.startswith("postgresql") else int(time.time()) % 90_000
        supervisor = Supervisor(quiet=True, log_dir=workdir)
        try:
            command = in_memory(temporal_dev_server_command(local, db_path=workdir / "temporal.db"))
            await supervisor.start(Service("temporal", command, port, restart=False), ready_within=90)
            await seed_campaign(database_url, campaign_id, clients, max(2, clients // 40), seed_value)
            client = await temporal_client.connect(local)
            server_session = supervisor.processes["temporal"].pid
            server_cpu = [session_cpu_seconds(server_session)]
            queue = f"bench-lifecycle-{time.time_ns()}"
            async with worker_processes(
                workdir, "lifecycle", address, queue, database_url, split_workers
            ) as life:
                life_s, summary = await asyncio.wait_for(
                    run_lifecycle(client, bench_spec(campaign_id, clients), queue), phase_timeout(clients)
                )
            server_cpu.append(session_cpu_seconds(server_session))
            completed = await count_completed(client, campaign_id)
            from domain.ids import campaign_workflow_id

            counts = await history_counts(client, campaign_id, campaign_workflow_id(campaign_id))
            activities = max(
                1, round(counts["activities_per_client"] + counts["local_activities_per_client"])
            )
            bare_queue = f"bench-bare-{time.time_ns()}"
            server_cpu.append(session_cpu_seconds(server_session))
            async with worker_processes(workdir, "bare", address, bare_queue, split=split_workers) as bare:
                bare_s = await asyncio.wait_for(
                    run_bare(client, clients, activities, bare_queue), phase_timeout(clients)
                )
            server_cpu.append(session_cpu_seconds(server_session))
        finally:
            await supervisor.stop()
    clients_per_s = completed / life_s if life_s else 0.0
    bare_per_s = clients / bare_s if bare_s else 0.0
    return {
        "clients": clients,
        "completed": completed,
        "clients_per_s": round(clients_per_s, 2),
        "bare_workflows_per_s": round(bare_per_s, 2),
        "ratio": round(clients_per_s / bare_per_s, 3) if bare_per_s else 0.0,
        "activities_per_client": round(
            counts["activities_per_client"] + counts["local_activities_per_client"], 2
        ),
        "signals_per_client": counts["signals_per_client"],
        "history_events_per_client_p50": counts["history_events_per_client_p50"],
        "campaign_history_events_max": counts["campaign_history_events_max"],
        "worker_cpu_s": life.get("cpu_s", 0.0),
        "worker_peak_rss_mb": life.get("peak_rss_mb", 0.0),
        "duration_s": round(time.monotonic() - began, 1),
        "lifecycle_s": round(life_s, 1),
        "bare_s": round(bare_s, 1),
        "updates_per_client": counts["updates_per_client"],
        "timers_per_client": counts["timers_per_client"],
        "local_activities_per_client": counts["local_activities_per_client"],
        "bare_activities_per_workflow": activities,
        "bare_worker_cpu_s": bare.get("cpu_s", 0.0),
        "bare_worker_peak_rss_mb": bare.get("peak_rss_mb", 0.0),
        "server_cpu_s": round(server_cpu[1] - server_cpu[0], 2),
        "bare_server_cpu_s": round(server_cpu[3] - server_cpu[2], 2),
        "outcomes": dict(sorted(summary.outcomes.items())),
        "histories_sampled": counts["histories_sampled"],
        "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
        "worker_processes": 2 if split_workers else 1,
        **{
            f"worker_{key}": value
            for key, value in life.items()
            if key.startswith(("workflows_", "activities_"))
        },
    }
