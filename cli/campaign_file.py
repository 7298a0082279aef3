"""`gyde campaign start`: with `--file`, the CSV is checked row by row before anything is written
(each bad row printed as FILE:LINE: reason; nothing imported or started unless --skip-invalid),
then its clients are imported, made a campaign and the campaign workflow started. Temporal and
the database are checked first, so an outage or an unmigrated database leaves nothing half done."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.campaign_render import print_json
from cli.common import check_migrated, connect_temporal
from cli.errors import UserError
from settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.client_import import Validated
    from domain.messages import CampaignSpec


def read_file(path: Path) -> str:
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 CSV text") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror})") from None


async def start_campaign(settings: Settings, args: argparse.Namespace, window: tuple[int, int]) -> int:
    from adapters.phone_numbers import configure_allowed_regions
    from api.temporal_gateway import TemporalCampaignControl
    from db.repositories import campaigns as repo
    from db.session import Database
    from domain.ids import campaign_workflow_id
    from domain.messages import CallingWindow
    from domain.messages import CampaignSpec as Spec

    spec = Spec(
        campaign_id=args.campaign_id,
        max_concurrent_calls=args.max_concurrent,
        dials_per_minute=args.dials_per_minute,
        max_attempts=args.max_attempts,
        window=CallingWindow(window[0], window[1], args.weekdays_only),
        page_size=args.page_size,
    )
    if (
        spec.max_concurrent_calls < 1
        or spec.dials_per_minute <= 0
        or spec.max_attempts < 1
        or spec.page_size < 1
    ):
        raise UserError(
            "--max-concurrent, --max-attempts and --page-size must be at least 1, --dials-per-minute positive"
        )
    text = read_file(args.file) if args.file is not None else None
    configure_allowed_regions(settings.allowed_phone_regions)
    database = Database(settings.database_url)
    imported = skipped = 0
    try:
        await check_migrated(database, settings.database_url)
        async with database.session() as session:
            existing = await repo.find_campaign(session, args.campaign_id)
            if text is None and existing is None:
                raise UserError(
                    f"unknown campaign {args.campaign_id!r} "
                    "(create it with `gyde campaign create`, or give --file clients.csv)"
                )
            if text is not None and existing is not None:
                raise UserError(f"campaign {args.campaign_id!r} already exists: start it without --file")
            checked = await _validated(session, args, text) if text is not None else None
            # Only now Temporal: a bad file is reported even while Temporal is down, and an
            # outage is found before anything is written.
            control = TemporalCampaignControl(await connect_temporal(settings), settings.task_queue)
            await control.ready()
            if checked is not None:
                imported, skipped = await _define(session, args, checked, spec)
    finally:
        await database.dispose()
    workflow_id = await control.start_campaign(spec)
    result = {
        "campaign_id": args.campaign_id,
        "workflow_id": workflow_id or campaign_workflow_id(args.campaign_id),
        "imported": imported,
        "skipped_rows": skipped,
    }
    if args.json:
        print_json(result)
    else:
        extra = f" ({imported} clients imported, {skipped} bad rows skipped)" if args.file is not None else ""
        print(
            f"campaign {args.campaign_id} started{extra}: follow it with `gyde campaign status {args.campaign_id} --watch`"
        )
    return 0


async def _validated(session: AsyncSession, args: argparse.Namespace, text: str) -> Validated:
    """Every row checked (nothing written); bad rows printed as FILE:LINE: reason."""
    from db.client_import import CsvFormatError, read_csv_text, validate_clients

    rows, header = read_csv_text(text)
    try:
        checked = await validate_clients(session, rows, header)
    except CsvFormatError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    for row in checked.rejected:
        print(f"{args.file}:{row.line}: {row.reason}", file=sys.stderr)
    if checked.rejected and not args.skip_invalid:
        raise UserError(
            f"{args.file}: {len(checked.rejected)} invalid row(s); nothing was imported or started "
            "(fix them, or pass --skip-invalid to start with the good rows)"
        )
    if not checked.clients:
        raise UserError(f"{args.file}: no usable rows; nothing was imported or started")
    return checked


async def _define(
    session: AsyncSession, args: argparse.Namespace, checked: Validated, spec: CampaignSpec
) -> tuple[int, int]:
    """Import the good rows and define the campaign over them."""
    import getpass
    from dataclasses import asdict

    from db.client_import import add_clients
    from db.repositories import campaigns as repo

    ids = await add_clients(session, checked.clients, actor=f"cli:campaign-start:{getpass.getuser()}")
    settings_json = {
        "max_concurrent_calls": args.max_concurrent,
        "dials_per_minute": args.dials_per_minute,
        "max_attempts": args.max_attempts,
        "window": asdict(spec.window),
        "page_size": args.page_size,
    }
    await repo.define_campaign(session, args.campaign_id, args.name or args.campaign_id, ids, settings_json)
    return len(ids), len(checked.rejected)
