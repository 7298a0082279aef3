"""Brokers and campaign membership. Client rows are read only through db.access (audited)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Broker, Campaign, CampaignMember, Client
from db.repositories.errors import NotFound


async def get_broker(session: AsyncSession, broker_id: str) -> Broker:
    broker = await session.get(Broker, broker_id)
    if broker is None:
        raise NotFound(f"unknown broker {broker_id!r}")
    return broker


async def get_campaign(session: AsyncSession, campaign_id: str) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"unknown campaign {campaign_id!r}")
    return campaign


async def count_members(session: AsyncSession, campaign_id: str) -> int:
    result = await session.execute(
        select(func.count()).select_from(CampaignMember).where(CampaignMember.campaign_id == campaign_id)
    )
    return int(result.scalar_one())


async def page_members(
    session: AsyncSession, campaign_id: str, after_member_id: int, limit: int
) -> list[tuple[int, str, str]]:
    """(member row id, client id, broker id) ordered by member id: a stable keyset cursor."""
    result = await session.execute(
        select(CampaignMember.id, Client.id, Client.broker_id)
        .join(Client, Client.id == CampaignMember.client_id)
        .where(CampaignMember.campaign_id == campaign_id, CampaignMember.id > after_member_id)
        .order_by(CampaignMember.id)
        .limit(limit)
    )
    return [(int(row[0]), str(row[1]), str(row[2])) for row in result.all()]
