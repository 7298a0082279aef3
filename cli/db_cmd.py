"""`gyde db upgrade|revision`: schema migrations with Alembic."""

from __future__ import annotations

import argparse
from typing import Any

from alembic import command

from cli.common import add_database_flag, run_async, settings_from
from db.migrate import alembic_config, upgrade


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("db", help="Database migrations (Alembic).")
    actions = parser.add_subparsers(dest="db_command", required=True)
    up = actions.add_parser("upgrade", help="migrate to the newest schema")
    add_database_flag(up)
    up.set_defaults(func=_upgrade)
    rev = actions.add_parser("revision", help="autogenerate a new migration from the models")
    rev.add_argument("-m", "--message", required=True)
    add_database_flag(rev)
    rev.set_defaults(func=_revision)


def _upgrade(args: argparse.Namespace) -> int:
    run_async(upgrade(settings_from(args).database_url))
    print("database at head")
    return 0


def _revision(args: argparse.Namespace) -> int:
    command.revision(
        alembic_config(settings_from(args).database_url), message=args.message, autogenerate=True
    )
    return 0
