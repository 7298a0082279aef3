"""The worker: runs every workflow and activity. Dialling has its own task queue with a
server-side rate limit, so no burst of retries can exceed the carrier's calls-per-second."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.booking import BookingActivities
from activities.calls import CallActivities
from activities.campaign import CampaignActivities
from activities.dialling import DialActivities
from activities.followup import FollowUpActivities
from activities.retention import RetentionActivities
from activities.screening import ScreeningActivities
from adapters.crm.base import Crm
from adapters.email.base import EmailSender
from adapters.scheduling.base import Scheduling
from adapters.telephony.base import Telephony
from compliance.simulator_policy import state_rules_waiver
from db.session import Database
from domain.ids import dial_task_queue
from settings import Settings
from workflows.broker_callback import BrokerCallbackWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow
from workflows.retention import RecordingRetentionWorkflow

log = logging.getLogger("gyde.worker")

# The sandbox re-runs every non-passthrough module a workflow imports for each new workflow run
# (and compiles it from source where no bytecode is cached): ~8% of the worker's samples at 500
# clients in `gyde bench campaign`. Our workflow and domain modules hold no state and make no
# I/O, clock or random calls (tests/workflows/test_determinism_rules.py checks their source in
# place of the sandbox's run-time checks), so they are loaded once and shared by every run.
DETERMINISTIC_MODULES = ("workflows", "domain")
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*DETERMINISTIC_MODULES)
)

WORKFLOWS: Sequence[type] = (
    CampaignWorkflow,
    ClientOutreachWorkflow,
    BrokerCallbackWorkflow,
    RecordingRetentionWorkflow,
)


@dataclass
class Adapters:
    """Concrete adapters chosen by the composition root (local ones for demo/offline)."""

    db: Database
    telephony: Telephony
    crm: Crm
    email: EmailSender
    scheduling: Scheduling


def build_adapters(settings: Settings, db: Database, telephony: Telephony | None = None) -> Adapters:
    """Pick each adapter from settings: local ones by default, vendor ones when configured."""
    from db.local.calendar import LocalScheduling
    from db.local.crm import LocalCrm
    from db.local.outbox import LocalOutbox

    crm: Crm = LocalCrm(db)
    if settings.crm == "salesforce":
        from adapters.crm.salesforce import SalesforceCrm

        crm = SalesforceCrm.from_credentials(
            settings.salesforce_username,
            settings.salesforce_password.get_secret_value(),
            settings.salesforce_security_token.get_secret_value(),
        )
    email: EmailSender = LocalOutbox(db)
    if settings.email == "smtp":
        from adapters.email.smtp import SmtpEmail
        from db.local.outbox import OutboxTable

        email = SmtpEmail(
            OutboxTable(db),
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_username,
            settings.smtp_password.get_secret_value(),
            settings.email_from,
        )
    if telephony is None:
        from adapters.telephony.twilio_adapter import build_twilio_telephony, config_from_settings

        telephony = build_twilio_telephony(config_from_settings(settings))
    scheduling: Scheduling = LocalScheduling(db)
    if settings.scheduling == "calendly":
        scheduling = build_calendly(settings, db)
    return Adapters(db=db, telephony=telephony, crm=crm, email=email, scheduling=scheduling)


def build_calendly(settings: Settings, db: Database) -> Scheduling:
    """Calendly needs each broker's event type and the invitee's name, email and time zone
    (read here, in the worker, so they never travel through workflow payloads)."""
    from activities.client_reads import read_contact
    from adapters.scheduling.calendly import CalendlyInvitee, CalendlyScheduling

    mapping = dict(pair.split("=", 1) for pair in settings.calendly_event_types.split(",") if "=" in pair)

    async def invitee(client_id: str) -> CalendlyInvitee:
        async with db.session() as session:
            client = await read_contact(session, "booking", client_id, "calendar invite")
            return CalendlyInvitee(f"{client.first_name} {client.last_name}", client.email, client.timezone)

    return CalendlyScheduling(settings.calendly_token.get_secret_value(), mapping, invitee_for_client=invitee)


# Dialling runs on its own rate-limited task queue (the carrier's calls-per-second).
DIAL_QUEUE_ACTIVITIES = frozenset({"place_call"})


def activities_by_queue(
    client: Client, settings: Settings, adapters: Adapters
) -> tuple[list[Any], list[Any]]:
    """(main queue, dial queue): every `@activity.defn` method of every activity class, bound to
    the adapters this process chose. activities/contracts.py names what workflows may call."""
    from temporal_client import TemporalVisibility

    waiver = state_rules_waiver(settings.waive_state_calling_rules_for_simulator, settings.twilio_api_base)
    instances: list[object] = [
        CampaignActivities(adapters.db, TemporalVisibility(client), settings.unit_prices()),
        ScreeningActivities(adapters.db),
        BookingActivities(adapters.scheduling, adapters.db),
        CallActivities(adapters.db, adapters.telephony, settings.public_base_url),
        DialActivities(adapters.db, adapters.telephony, state_rules_waiver=waiver),
        FollowUpActivities(adapters.db, adapters.crm, adapters.email),
        RetentionActivities(adapters.db, adapters.telephony),
    ]
    main: list[Any] = []
    dial: list[Any] = []
    for instance in instances:
        for name in dir(type(instance)):
            method = getattr(instance, name)
            definition = activity_definition(method)
            if definition is not None:
                (dial if definition in DIAL_QUEUE_ACTIVITIES else main).append(method)
    return main, dial


def activity_definition(method: object) -> str | None:
    """The activity name a method is registered under, or None for a plain method."""
    from temporalio.activity import _Definition

    definition = _Definition.from_callable(method) if callable(method) else None
    return definition.name if definition is not None else None


# What one worker process runs (`gyde worker --only`): everything (None), or one side, so the
# two scale apart. A workflow worker still runs its own local activities (the short writes to
# our database run in the workflow task), so it registers the activities but polls no activity
# task; an activity worker polls the main queue's activities and the dial queue.
WORKER_ROLES = ("workflows", "activities")


def build_workers(
    client: Client,
    settings: Settings,
    adapters: Adapters,
    *,
    max_cached_workflows: int = 1000,
    only: str | None = None,
) -> list[Worker]:
    """`max_cached_workflows=0` replays every workflow task from its history (the simulation
    suite runs so, which turns any non-determinism into a failure at once). `only`: one of
    WORKER_ROLES, or None for both in this process."""
    if only is not None and only not in WORKER_ROLES:
        raise ValueError(f"unknown worker role {only!r}: expected one of {', '.join(WORKER_ROLES)}")
    main_activities, dial_activities = activities_by_queue(client, settings, adapters)
    shutdown = timedelta(seconds=20)
    # A role's worker says so in every task it takes (the history's `identity`, the UI's workers).
    identity = f"{client.identity}:{only}" if only else None
    if only == "activities":
        main = Worker(
            client,
            task_queue=settings.task_queue,
            activities=main_activities,
            graceful_shutdown_timeout=shutdown,
            identity=identity,
        )
    else:
        main = Worker(
            client,
            task_queue=settings.task_queue,
            workflows=list(WORKFLOWS),
            activities=main_activities,
            no_remote_activities=only == "workflows",
            max_cached_workflows=max_cached_workflows,
            workflow_runner=WORKFLOW_RUNNER,
            graceful_shutdown_timeout=shutdown,
            identity=identity,
        )
    if only == "workflows":
        return [main]
    dial = Worker(
        client,
        task_queue=dial_task_queue(settings.task_queue),
        activities=dial_activities,
        max_task_queue_activities_per_second=settings.dials_per_second,
        graceful_shutdown_timeout=shutdown,
        identity=identity,
    )
    return [main, dial]


async def run_workers(
    workers: list[Worker], stop: asyncio.Event | None = None, handle_signals: bool = True
) -> None:
    """Run until SIGTERM/SIGINT (or `stop`), then shut down gracefully: in-flight activities
    get the graceful timeout to finish, workflows simply resume elsewhere."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT) if handle_signals else ():
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    tasks = [asyncio.create_task(w.run()) for w in workers]
    log.info("worker: running %d task queues", len(workers))
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
    log.info("worker: shutting down")
    await asyncio.gather(*(w.shutdown() for w in workers), return_exceptions=True)
    waiter.cancel()
    for task in done:
        if task is not waiter and task.exception():
            raise task.exception()  # type: ignore[misc]
