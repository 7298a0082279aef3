"""`gyde campaign create|start|list|status|pause|resume|cancel|throttle` and `gyde clients import`.
Listing, status and steering live in cli/campaign_ops.py; starting from a CSV in cli/campaign_file.py.
Failures a user can cause end as one line on stderr (cli/errors.py), never a traceback."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cli.common import add_database_flag, add_temporal_flag, run_async, settings_from
from settings import Settings


def add_parser(sub: Any) -> None:
    campaign = sub.add_parser("campaign", help="Create, start and steer campaigns.")
    actions = campaign.add_subparsers(dest="campaign_command", required=True)

    create = actions.add_parser("create", help="create a campaign from clients in the database")
    create.add_argument("campaign_id")
    create.add_argument("--name", default=None)
    create.add_argument("--broker", default=None, help="only this broker's clients (default: all clients)")
    add_database_flag(create)
    create.set_defaults(func=_create)

    start = actions.add_parser(
        "start",
        help="start the campaign workflow; with --file, import the CSV's clients into a new campaign first",
    )
    start.add_argument("campaign_id")
    start.add_argument("--file", type=Path, default=None, help="client CSV (checked first: bad rows stop it)")
    start.add_argument("--skip-invalid", action="store_true", help="with --file: start with the good rows")
    start.add_argument("--name", default=None, help="with --file: the campaign's name")
    start.add_argument("--max-concurrent", type=int, default=10)
    start.add_argument("--dials-per-minute", type=float, default=30.0)
    start.add_argument("--max-attempts", type=int, default=3)
    start.add_argument("--window", default="8-21", help="local calling hours START-END (default 8-21)")
    start.add_argument("--weekdays-only", action="store_true")
    start.add_argument("--page-size", type=int, default=500)
    start.add_argument("--json", action="store_true", help="print one JSON object")
    add_database_flag(start)
    add_temporal_flag(start)
    start.set_defaults(func=_start)

    from cli import campaign_ops

    campaign_ops.add_parsers(actions)

    clients = sub.add_parser("clients", help="Client data.")
    client_actions = clients.add_subparsers(dest="clients_command", required=True)
    imp = client_actions.add_parser(
        "import", help="import clients from CSV (bad rows go to FILE.rejects.csv)"
    )
    imp.add_argument("csv_file", type=Path)
    add_database_flag(imp)
    imp.set_defaults(func=_import)


def _fail(message: str) -> int:
    print(f"gyde: {message}", file=sys.stderr)
    return 2


def parse_window(text: str) -> tuple[int, int]:
    start_text, sep, end_text = text.partition("-")
    if not sep or not start_text.isdigit() or not end_text.isdigit():
        raise ValueError(f"window must look like 8-21, got {text!r}")
    start, end = int(start_text), int(end_text)
    if not 0 <= start < end <= 24:
        raise ValueError(f"window hours must satisfy 0 <= start < end <= 24, got {text!r}")
    return start, end


async def _create_async(settings: Settings, campaign_id: str, name: str, broker: str | None) -> int:
    from db.migrate import upgrade
    from db.models import Campaign, Client
    from db.seed import create_campaign
    from db.session import Database

    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            if await session.get(Campaign, campaign_id) is not None:
                return _fail(f"campaign {campaign_id!r} already exists")
            stmt = select(Client.id)
            if broker:
                stmt = stmt.where(Client.broker_id == broker)
            client_ids = list((await session.execute(stmt)).scalars().all())
            if not client_ids:
                return _fail("no clients match: a campaign needs at least one client")
            await create_campaign(session, campaign_id, name, client_ids)
        print(json.dumps({"campaign_id": campaign_id, "clients": len(client_ids)}))
        return 0
    finally:
        await db.dispose()


def _create(args: argparse.Namespace) -> int:
    return run_async(
        _create_async(settings_from(args), args.campaign_id, args.name or args.campaign_id, args.broker)
    )


def _start(args: argparse.Namespace) -> int:
    from cli.campaign_file import start_campaign

    try:
        window = parse_window(args.window)
    except ValueError as exc:
        return _fail(str(exc))
    if args.skip_invalid and args.file is None:
        return _fail("--skip-invalid needs --file")
    return run_async(start_campaign(settings_from(args), args, window))


async def _import_async(settings: Settings, path: Path) -> int:
    from adapters.phone_numbers import configure_allowed_regions
    from db.client_import import CsvFormatError, import_csv_file, write_rejects
    from db.migrate import upgrade
    from db.session import Database

    configure_allowed_regions(settings.allowed_phone_regions)
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            try:
                result = await import_csv_file(session, path, actor=f"cli:import:{getpass.getuser()}")
            except CsvFormatError as exc:
                return _fail(str(exc))
    finally:
        await db.dispose()
    rejects = str(write_rejects(path, result.rejected)) if result.rejected else None
    for row in result.rejected:
        print(f"line {row.line}: {row.reason}", file=sys.stderr)
    print(
        json.dumps(
            {"imported": len(result.imported), "rejected": len(result.rejected), "rejects_file": rejects}
        )
    )
    return 1 if result.rejected else 0


def _import(args: argparse.Namespace) -> int:
    if not args.csv_file.is_file():
        return _fail(f"no such file: {args.csv_file}")
    return run_async(_import_async(settings_from(args), args.csv_file))
