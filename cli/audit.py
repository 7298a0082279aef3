"""`gyde audit verify [--database-url URL] [--expect-head HASH]`: recompute the audit hash chain;
exit 1 when any entry was altered, removed or reordered (or the head differs from an anchor)."""

from __future__ import annotations

import argparse
import asyncio

from db.repositories import audit
from db.session import Database


async def run_verify(database_url: str, *, expect_head: str | None) -> int:
    database = Database(database_url)
    try:
        async with database.session() as session:
            result = await audit.verify_chain(session)
    finally:
        await database.dispose()
    if not result.ok:
        print(
            f"audit chain BROKEN at entry {result.first_bad_id}: {result.problem} ({result.entries} verified before)"
        )
        return 1
    if expect_head is not None and expect_head != result.head:
        print(
            f"audit chain BROKEN: head {result.head} differs from the anchor {expect_head} (entries removed?)"
        )
        return 1
    print(f"audit chain ok: {result.entries} entries, head {result.head}")
    return 0


def _run(args: argparse.Namespace) -> int:
    url = args.database_url
    if url is None:
        from settings import get_settings

        url = get_settings().database_url
    return asyncio.run(run_verify(url, expect_head=args.expect_head))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("audit", help="audit log tools")
    actions = parser.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser("verify", help="verify the audit log hash chain")
    verify.add_argument("--database-url", default=None, help="defaults to GYDE_DATABASE_URL")
    verify.add_argument(
        "--expect-head", default=None, help="hash the chain head must equal (an external anchor)"
    )
    verify.set_defaults(func=_run)
