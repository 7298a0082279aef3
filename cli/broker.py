"""`gyde broker callbacks BROKER_ID`: a broker's callbacks, soonest first (ids and times only).
Reads the database; mark one done or move it over the api (docs/api.md), which tells its workflow."""

from __future__ import annotations

import argparse
from typing import Any

from cli.campaign_render import callbacks_table, console, print_json
from cli.common import add_database_flag, check_migrated, run_async, settings_from
from cli.errors import UserError
from settings import Settings


def add_parser(sub: Any) -> None:
    broker = sub.add_parser("broker", help="A broker's callbacks.")
    actions = broker.add_subparsers(dest="broker_command", required=True)
    callbacks = actions.add_parser("callbacks", help="list a broker's callbacks")
    callbacks.add_argument("broker_id")
    callbacks.add_argument(
        "--status", choices=("scheduled", "reminded", "rescheduled", "missed", "completed"), default=None
    )
    callbacks.add_argument("--all", action="store_true", help="include Emma's own re-calls (owner ai)")
    callbacks.add_argument("--json", action="store_true")
    add_database_flag(callbacks)
    callbacks.set_defaults(func=_callbacks)


async def _callbacks_async(settings: Settings, args: argparse.Namespace) -> list[dict[str, Any]]:
    from db.repositories import brokers as repo
    from db.repositories.clients import get_broker
    from db.repositories.errors import NotFound
    from db.repositories.outreach import as_utc
    from db.session import Database

    database = Database(settings.database_url)
    try:
        await check_migrated(database, settings.database_url)
        async with database.session() as session:
            try:
                await get_broker(session, args.broker_id)
            except NotFound:
                raise UserError(f"unknown broker {args.broker_id!r}") from None
            rows = await repo.callbacks_of(
                session, args.broker_id, status=args.status, owner=None if args.all else "broker"
            )
    finally:
        await database.dispose()
    return [
        {
            "callback_id": row.id,
            "callback_at": as_utc(row.callback_at).isoformat(timespec="minutes"),
            "client_id": row.client_id,
            "campaign_id": row.campaign_id,
            "owner": row.owner,
            "status": row.status,
        }
        for row in rows
    ]


def _callbacks(args: argparse.Namespace) -> int:
    rows = run_async(_callbacks_async(settings_from(args), args))
    if args.json:
        print_json(rows)
    elif not rows:
        print(f"broker {args.broker_id} has no callbacks")
    else:
        console().print(callbacks_table(args.broker_id, rows))
    return 0
