"""Campaign reads: validate the campaign, page through its members by keyset cursor, and price
what its calls consumed so far."""

from __future__ import annotations

from typing import Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import domain_errors
from db.repositories.clients import count_members, get_campaign, page_members
from db.repositories.usage import campaign_usage
from db.session import Database
from domain.messages import (
    CampaignStartRequest,
    CampaignStartResult,
    ClientPage,
    ClientPageRequest,
    ClientRef,
    UnreportedCloses,
    UnreportedClosesRequest,
)
from domain.usage import CampaignCost, CampaignCostRequest, UnitPrices, cost_line, cost_report


class ClosedChildren(Protocol):
    """Temporal's visibility, seen from a campaign: its client workflows that closed without an
    outcome (temporal_client.TemporalVisibility implements it)."""

    async def unreported(self, campaign_id: str) -> list[str]: ...


class CampaignActivities:
    def __init__(
        self, db: Database, closed_children: ClosedChildren | None = None, prices: UnitPrices | None = None
    ) -> None:
        self._db = db
        self._closed = closed_children
        self._prices = prices or UnitPrices()

    @activity.defn
    async def campaign_cost(self, request: CampaignCostRequest) -> CampaignCost:
        """What the campaign's calls cost so far, for its current details (ids and sums only)."""
        async with self._db.session() as session:
            usage = await campaign_usage(session, request.campaign_id)
        report = cost_report(usage, self._prices)
        return CampaignCost(request.campaign_id, cost_line(report), report.total_usd)

    @activity.defn
    async def find_unreported_closes(self, request: UnreportedClosesRequest) -> UnreportedCloses:
        if self._closed is None:
            return UnreportedCloses(client_ids=[])
        return UnreportedCloses(client_ids=sorted(await self._closed.unreported(request.campaign_id)))

    @activity.defn
    async def start_campaign(self, request: CampaignStartRequest) -> CampaignStartResult:
        async with domain_errors(), self._db.session() as session:
            campaign = await get_campaign(session, request.campaign_id)
            members = await count_members(session, request.campaign_id)
            if members == 0:
                raise ApplicationError(
                    f"campaign {request.campaign_id!r} has no clients",
                    type="EmptyCampaign",
                    non_retryable=True,
                )
            campaign.status = "running"
            await session.commit()
            return CampaignStartResult(campaign_id=request.campaign_id, members=members)

    @activity.defn
    async def load_client_page(self, request: ClientPageRequest) -> ClientPage:
        after = int(request.cursor) if request.cursor else 0
        async with self._db.session() as session:
            rows = await page_members(session, request.campaign_id, after, request.limit)
        clients = [ClientRef(client_id=client_id, broker_id=broker_id) for _, client_id, broker_id in rows]
        next_cursor = str(rows[-1][0]) if len(rows) == request.limit else None
        return ClientPage(clients=clients, next_cursor=next_cursor)

    @activity.defn
    async def finish_campaign(self, request: CampaignStartRequest) -> None:
        async with domain_errors(), self._db.session() as session:
            campaign = await get_campaign(session, request.campaign_id)
            campaign.status = "completed"
            await session.commit()
