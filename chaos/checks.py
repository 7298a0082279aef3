"""The invariants a chaos scenario is judged by, read from where the truth lives: the
simulator's own log of every carrier call (which workflow and dial attempt made it), the
database (appointments, confirmation emails) and Temporal's visibility (how each client's
workflow stands)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from temporalio.client import Client, WorkflowExecutionStatus

from compliance.gate import within_calling_hours
from db.models import Appointment, OutboxEmail
from db.models import Client as ClientRow
from db.session import Database
from domain.ids import parse_outreach_workflow_id
from domain.messages import CallingWindow
from workflows import search_attributes as sa

PARKED_STAGE = "waiting_callback"


@dataclass(frozen=True)
class ScenarioReport:
    name: str
    clients: int
    lost: int
    duplicate_dials: int
    duplicate_bookings: int
    duplicate_emails: int
    outside_hours_dials: int
    stuck: int
    detail: str = ""

    def clean(self) -> bool:
        return not any(
            (self.lost, self.duplicate_dials, self.duplicate_bookings, self.duplicate_emails)
        ) and not (self.outside_hours_dials or self.stuck)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ClientState:
    running: bool
    status: WorkflowExecutionStatus | None
    outcome: str | None
    stage: str | None
    next_call_at: datetime | None

    def parked(self, now: datetime) -> bool:
        """Waiting on a durable callback timer that is not due soon (a real 'call me tomorrow')."""
        return (
            self.running
            and self.stage == PARKED_STAGE
            and self.next_call_at is not None
            and self.next_call_at > now + timedelta(minutes=1)
        )

    def settled(self, now: datetime) -> bool:
        return (not self.running) or self.parked(now)


async def client_states(client: Client, campaign_id: str) -> dict[str, ClientState]:
    states: dict[str, ClientState] = {}
    query = f'CampaignId = "{campaign_id}" AND WorkflowType = "ClientOutreachWorkflow"'
    async for execution in client.list_workflows(query):
        attrs = execution.typed_search_attributes
        _, client_id = parse_outreach_workflow_id(execution.id)
        states[client_id] = ClientState(
            running=execution.status is WorkflowExecutionStatus.RUNNING,
            status=execution.status,
            outcome=attrs.get(sa.OUTCOME),
            stage=attrs.get(sa.CLIENT_STAGE),
            next_call_at=attrs.get(sa.NEXT_CALL_AT),
        )
    return states


async def check(
    name: str,
    client: Client,
    db: Database,
    sim_url: str,
    campaign_id: str,
    members: list[str],
    window: CallingWindow,
    state_rules_waived: bool,
) -> ScenarioReport:
    now = datetime.now(UTC)
    states = await client_states(client, campaign_id)
    lost = [
        m
        for m in members
        if m not in states
        or (
            not states[m].running
            and (states[m].status is not WorkflowExecutionStatus.COMPLETED or not states[m].outcome)
        )
    ]
    stuck = [m for m, state in states.items() if not state.settled(now)]
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.get(f"{sim_url}/sim/calls")
        response.raise_for_status()
        calls = [
            c for c in response.json()["calls"] if c["workflow_id"].startswith(f"outreach:{campaign_id}:")
        ]
    per_attempt = Counter((c["workflow_id"], c["attempt"]) for c in calls)
    duplicate_dials = sum(n - 1 for n in per_attempt.values() if n > 1)
    async with db.session() as session:
        zones = {
            row.id: (row.timezone, row.state)
            for row in (await session.execute(select(ClientRow).where(ClientRow.id.in_(members)))).scalars()
        }
        booked = Counter(
            (
                await session.execute(
                    select(Appointment.client_id).where(Appointment.campaign_id == campaign_id)
                )
            )
            .scalars()
            .all()
        )
        emails = Counter(
            key.split("/")[0]
            for key in (
                await session.execute(
                    select(OutboxEmail.idempotency_key).where(
                        OutboxEmail.idempotency_key.like(f"outreach:{campaign_id}:%"),
                        OutboxEmail.template == "appointment_confirmation",
                    )
                )
            ).scalars()
        )
    outside = 0
    for call in calls:
        zone, state = zones[parse_outreach_workflow_id(call["workflow_id"])[1]]
        at = datetime.fromisoformat(call["created_at"])
        local = at.astimezone(_zone(zone))
        in_window = window.start_hour <= local.hour < window.end_hour and not (
            window.weekdays_only and local.weekday() >= 5
        )
        in_rules = state_rules_waived or within_calling_hours(at, zone, state, window)
        outside += 0 if (in_window and in_rules) else 1
    detail = ""
    if lost or stuck:
        detail = f"lost={sorted(lost)} stuck={sorted(stuck)}"
    return ScenarioReport(
        name=name,
        clients=len(members),
        lost=len(lost),
        duplicate_dials=duplicate_dials,
        duplicate_bookings=sum(n - 1 for n in booked.values() if n > 1),
        duplicate_emails=sum(n - 1 for n in emails.values() if n > 1),
        outside_hours_dials=outside,
        stuck=len(stuck),
        detail=detail,
    )


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
