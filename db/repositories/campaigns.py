"""Campaign rows for the api and `gyde campaign`: list with member counts, create with members.
The campaign's live state is its workflow's; the row keeps its name, spec and coarse status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Campaign, CampaignMember, Client
from db.repositories.outreach import as_utc, utcnow

MAX_PAGE = 500


class CampaignExists(ValueError):
    """A campaign with this id is already defined."""


class NoClients(ValueError):
    """A campaign needs at least one client."""


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: str
    name: str
    status: str
    created_at: datetime
    clients: int
    spec: dict[str, object]


async def list_campaigns(
    session: AsyncSession, *, after_id: str = "", limit: int = 100, status: str | None = None
) -> list[CampaignRow]:
    """Campaigns ordered by id (keyset pages), each with its number of clients."""
    members = (
        select(CampaignMember.campaign_id, func.count().label("n"))
        .group_by(CampaignMember.campaign_id)
        .subquery()
    )
    stmt = (
        select(Campaign, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.campaign_id == Campaign.id)
        .where(Campaign.id > after_id)
        .order_by(Campaign.id)
        .limit(min(limit, MAX_PAGE))
    )
    if status is not None:
        stmt = stmt.where(Campaign.status == status)
    rows = (await session.execute(stmt)).all()
    return [_row(campaign, int(count)) for campaign, count in rows]


async def find_campaign(session: AsyncSession, campaign_id: str) -> CampaignRow | None:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    count = await session.execute(
        select(func.count()).select_from(CampaignMember).where(CampaignMember.campaign_id == campaign_id)
    )
    return _row(campaign, int(count.scalar_one()))


async def existing_client_ids(session: AsyncSession, client_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    wanted = list(dict.fromkeys(client_ids))
    for start in range(0, len(wanted), 500):  # stay under every driver's bound-parameter limit
        chunk = wanted[start : start + 500]
        found |= set((await session.execute(select(Client.id).where(Client.id.in_(chunk)))).scalars())
    return found


async def client_ids_of(session: AsyncSession, broker_id: str | None) -> list[str]:
    """Every client (or one broker's), in id order."""
    stmt = select(Client.id).order_by(Client.id)
    if broker_id:
        stmt = stmt.where(Client.broker_id == broker_id)
    return list((await session.execute(stmt)).scalars())


async def define_campaign(
    session: AsyncSession, campaign_id: str, name: str, client_ids: Sequence[str], spec: dict[str, object]
) -> CampaignRow:
    """Add the campaign and its members in one commit (draft until its workflow starts it)."""
    if not client_ids:
        raise NoClients("a campaign needs at least one client")
    if await session.get(Campaign, campaign_id) is not None:
        raise CampaignExists(f"campaign {campaign_id!r} already exists")
    unique = list(dict.fromkeys(client_ids))
    campaign = Campaign(id=campaign_id, name=name, status="draft", spec=spec, created_at=utcnow())
    session.add(campaign)
    await session.flush()
    session.add_all(CampaignMember(campaign_id=campaign_id, client_id=c) for c in unique)
    await session.commit()
    return _row(campaign, len(unique))


async def set_status(session: AsyncSession, campaign_id: str, status: str) -> None:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is not None:
        campaign.status = status
        await session.commit()


def _row(campaign: Campaign, clients: int) -> CampaignRow:
    return CampaignRow(
        campaign_id=campaign.id,
        name=campaign.name,
        status=campaign.status,
        created_at=as_utc(campaign.created_at),
        clients=clients,
        spec=dict(campaign.spec or {}),
    )
