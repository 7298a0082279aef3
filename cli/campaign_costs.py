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


def costs_line(costs: dict[str, Any]) -> str:
    """One line for the status view: the campaign's cost per call, per booking and per opt-out."""
    if "error" in costs:
        return str(costs["error"])
    c = costs["campaign"]

    def usd(value: float | None) -> str:
        return "-" if value is None else f"${value:.2f}"

    return (
        f"cost {usd(c['total_usd'])} · per call {usd(c['per_call_usd'])} · "
        f"per booking {usd(c['per_booking_usd'])} · per opt-out {usd(c['per_opt_out_usd'])}"
    )
