"""`gyde seed --brokers B --clients N --seed S`: synthetic brokers and clients, plus a campaign."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli.common import add_database_flag, run_async, settings_from
from db.migrate import upgrade
from db.seed import create_campaign, seed
from db.session import Database


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("seed", help="Insert synthetic brokers and clients (and a campaign of them).")
    parser.add_argument("--brokers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--campaign", default=None, help="also create a campaign with this id holding them")
    add_database_flag(parser)
    parser.set_defaults(func=run)


async def _seed(
    url: str, brokers: int, clients: int, seed_value: int, campaign: str | None
) -> dict[str, object]:
    await upgrade(url)
    db = Database(url)
    try:
        async with db.session() as session:
            result = await seed(session, brokers, clients, seed_value)
            if campaign:
                await create_campaign(session, campaign, f"Campaign {campaign}", result.client_ids)
        return {"brokers": len(result.broker_ids), "clients": len(result.client_ids), "campaign": campaign}
    finally:
        await db.dispose()


def run(args: argparse.Namespace) -> int:
    if args.brokers < 1 or args.clients < 0:
        print("gyde seed: --brokers must be >= 1 and --clients >= 0")
        return 2
    settings = settings_from(args)
    summary = run_async(_seed(settings.database_url, args.brokers, args.clients, args.seed, args.campaign))
    print(json.dumps(summary))
    return 0
