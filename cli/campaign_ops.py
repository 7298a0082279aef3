"""`gyde campaign list|status|pause|resume|cancel|throttle`: the database says which campaigns
exist (an unknown id is refused before Temporal is asked), the campaign workflow how far it is.
`status --watch` redraws the bars until the campaign closes."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from cli.campaign_render import console, print_json, progress_json, progress_view
from cli.common import (
    add_database_flag,
    add_temporal_flag,
    check_migrated,
    connect_temporal,
    run_async,
    settings_from,
)
from cli.errors import UserError
from settings import Settings

WATCH_SECONDS = 2.0


def add_parsers(actions: Any) -> None:
    listing = actions.add_parser("list", help="list campaigns with their status and size")
    listing.add_argument("--status", choices=("draft", "running", "completed"), default=None)
    listing.add_argument("--json", action="store_true")
    add_database_flag(listing)
    listing.set_defaults(func=_list)

    status = actions.add_parser("status", help="progress by stage and outcome")
    status.add_argument("campaign_id")
    status.add_argument("--watch", action="store_true", help="redraw every 2 s until the campaign closes")
    status.add_argument("--json", action="store_true", help="one JSON object (scripts)")
    _common(status, _status)

    for name, help_text in (
        ("pause", "stop granting dials"),
        ("resume", "grant dials again (also clears a circuit breaker)"),
        ("cancel", "stop new dials; live calls finish"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("campaign_id")
        action.add_argument("--json", action="store_true")
        _common(action, _steer)
        action.set_defaults(action=name)

    throttle = actions.add_parser(
        "throttle", help="change live calls and dials per minute of a running campaign"
    )
    throttle.add_argument("campaign_id")
    throttle.add_argument("--max-concurrent", type=int, default=None)
    throttle.add_argument("--dials-per-minute", type=float, default=None)
    throttle.add_argument("--json", action="store_true")
    _common(throttle, _throttle)


def _common(parser: argparse.ArgumentParser, func: Any) -> None:
    add_database_flag(parser)
    add_temporal_flag(parser)
    parser.set_defaults(func=func)


async def _campaign_rows(settings: Settings, campaign_id: str | None, status: str | None = None) -> list[Any]:
    """Campaign rows (one, or all); an unknown id is a UserError."""
    from db.repositories import campaigns as repo
    from db.session import Database

    database = Database(settings.database_url)
    try:
        await check_migrated(database, settings.database_url)
        async with database.session() as session:
            if campaign_id is None:
                return await repo.list_campaigns(session, limit=repo.MAX_PAGE, status=status)
            row = await repo.find_campaign(session, campaign_id)
    finally:
        await database.dispose()
    if row is None:
        raise UserError(f"unknown campaign {campaign_id!r} (see `gyde campaign list`)")
    return [row]


async def _control(settings: Settings) -> Any:
    from api.temporal_gateway import TemporalCampaignControl

    return TemporalCampaignControl(await connect_temporal(settings), settings.task_queue)


def _list(args: argparse.Namespace) -> int:
    rows = run_async(_campaign_rows(settings_from(args), None, args.status))
    out = [
        {
            "campaign_id": r.campaign_id,
            "name": r.name,
            "status": r.status,
            "clients": r.clients,
            "created_at": r.created_at.isoformat(timespec="seconds"),
        }
        for r in rows
    ]
    if args.json:
        print_json(out)
    elif not out:
        print("no campaigns yet: `gyde campaign start ID --file clients.csv` makes one")
    else:
        from cli.campaign_render import campaigns_table

        console().print(campaigns_table(out))
    return 0


async def _status_async(settings: Settings, args: argparse.Namespace) -> int:
    from api.temporal_gateway import CampaignState
    from cli.campaign_costs import campaign_costs, costs_line
    from domain.messages import CampaignProgress

    [row] = await _campaign_rows(settings, args.campaign_id)
    if row.status == "draft":
        state = CampaignState(CampaignProgress(row.campaign_id, 0, 0, {}, {}, False, False, 0), "not_started")
    else:
        state = await (await _control(settings)).campaign(args.campaign_id)
    costs = await campaign_costs(settings, args.campaign_id)  # usage and cost per call, booking, opt-out
    if args.json:
        print_json({**progress_json(state), "costs": costs})
        return 0
    if not args.watch or state.state != "running":
        console().print(progress_view(state))
        console().print(costs_line(costs))
        return 0
    from rich.live import Live

    control = await _control(settings)
    with Live(progress_view(state), console=console(), refresh_per_second=4) as live:
        while state.state == "running":
            await asyncio.sleep(WATCH_SECONDS)
            state = await control.campaign(args.campaign_id)
            live.update(progress_view(state))
    return 0


def _status(args: argparse.Namespace) -> int:
    try:
        return run_async(_status_async(settings_from(args), args))
    except KeyboardInterrupt:
        return 0  # leaving --watch with Ctrl-C is the normal way out


async def _steer_async(settings: Settings, args: argparse.Namespace) -> int:
    await _campaign_rows(settings, args.campaign_id)
    await (await _control(settings)).steer(args.campaign_id, args.action)
    if args.json:
        print_json({"campaign_id": args.campaign_id, "signalled": args.action})
    else:
        print(f"campaign {args.campaign_id}: {args.action} sent")
    return 0


def _steer(args: argparse.Namespace) -> int:
    return run_async(_steer_async(settings_from(args), args))


async def _throttle_async(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from domain.messages import CampaignLimits

    if args.max_concurrent is None and args.dials_per_minute is None:
        raise UserError("nothing to change: give --max-concurrent and/or --dials-per-minute")
    if (args.max_concurrent is not None and args.max_concurrent < 1) or (
        args.dials_per_minute is not None and args.dials_per_minute <= 0
    ):
        raise UserError("--max-concurrent must be at least 1 and --dials-per-minute positive")
    await _campaign_rows(settings, args.campaign_id)
    progress = await (await _control(settings)).throttle(
        args.campaign_id, CampaignLimits(args.max_concurrent, args.dials_per_minute)
    )
    if args.json:
        print_json(asdict(progress))
    else:
        print(
            f"campaign {args.campaign_id}: now {progress.max_concurrent_calls} live calls, "
            f"{progress.dials_per_minute:g} dials/min"
        )
    return 0


def _throttle(args: argparse.Namespace) -> int:
    return run_async(_throttle_async(settings_from(args), args))
