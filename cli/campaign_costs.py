"""Usage and cost of a campaign for `gyde campaign status` (per call, per booking, per opt-out,
for the campaign and per broker), priced with the GYDE_PRICE_* settings."""

from __future__ import annotations

from typing import Any

from settings import Settings


async def campaign_costs(settings: Settings, campaign_id: str) -> dict[str, Any]:
    """The `costs` object of the status JSON; an unreadable database is reported, not raised
    (the progress from Temporal is still worth printing)."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.repositories.usage import costs_summary
    from db.session import Database

    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            return await costs_summary(session, campaign_id, settings.unit_prices())
    except SQLAlchemyError as exc:
        return {"error": f"usage unavailable: database not readable ({type(exc).__name__})"}
    finally:
        await database.dispose()
