"""The demo's campaigns: clients whose numbers answer as the simulator's personas, and the
campaign spec the demo, the end-to-end tests and `gyde chaos` run them with."""

from __future__ import annotations

from typing import Any

from domain.messages import CampaignSpec

FULL_STACK_PERSONAS = (
    "agreeable",
    "declines",
    "opt-out",
    "callback-later",
    "wants-broker",
    "no-answer",
    "fails-verification",
    "busy",
    "voicemail",
    "price-shopper",
    "wrong-person",
    "confused",
    "hangs-up-mid-call",
    "talks-over-agent",
    "long-silence",
)


def demo_spec(campaign_id: str) -> CampaignSpec:
    from domain.messages import CallingWindow, CampaignSpec, RetryPolicySpec

    return CampaignSpec(
        campaign_id=campaign_id,
        max_concurrent_calls=4,
        dials_per_minute=240,
        max_attempts=2,
        # Demo numbers are simulated: calling hours would otherwise make the demo wait for
        # morning. Real campaigns keep the 08:00-21:00 default.
        window=CallingWindow(start_hour=0, end_hour=24),
        retry=RetryPolicySpec(base_minutes=0.1, multiplier=2.0, max_minutes=1),
        page_size=5,
    )


async def seed_persona_campaign(
    db: Any,
    sim_url: str,
    campaign_id: str,
    clients: int,
    seed_value: int,
    brokers: int,
    brokers_always_available: bool = False,
) -> list[str]:
    """Seed clients whose numbers answer as the full-stack personas (in FULL_STACK_PERSONAS
    order), put them in a campaign, and register their numbers at the simulator. Returns the
    client ids."""
    import httpx

    from db.models import Broker as BrokerRow
    from db.models import Client as ClientRow
    from db.seed import create_campaign, seed
    from sim.registry import spoken_date

    registrations = []
    async with db.session() as session:
        seeded = await seed(session, brokers, clients, seed_value)
        if brokers_always_available:  # tests: transfers and slots must not depend on the hour
            for broker_id in seeded.broker_ids:
                broker = await session.get(BrokerRow, broker_id)
                assert broker is not None
                broker.work_start_hour, broker.work_end_hour, broker.work_days = 0, 24, "0,1,2,3,4,5,6"
        for index, client_id in enumerate(seeded.client_ids):
            row = await session.get(ClientRow, client_id)
            assert row is not None
            row.persona = FULL_STACK_PERSONAS[index % len(FULL_STACK_PERSONAS)]
            row.eligible = True
            registrations.append(
                {
                    "number": row.phone,
                    "persona": row.persona,
                    "facts": {
                        "first_name": row.first_name,
                        "last_name": row.last_name,
                        "date_of_birth": spoken_date(row.date_of_birth),
                    },
                }
            )
        await session.commit()
        await create_campaign(session, campaign_id, "Dental & vision gap outreach (demo)", seeded.client_ids)
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(f"{sim_url}/sim/numbers", json=registrations)
        response.raise_for_status()
    return list(seeded.client_ids)
