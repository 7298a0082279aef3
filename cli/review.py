"""`gyde review`: the human review queue of live calls (2% sampled, plus calls whose guardrails
blocked an utterance or whose shadow candidate disagreed) and the A/B outcome counts.

    gyde review list [--status pending|reviewed] [--json]
    gyde review show ID
    gyde review mark ID --verdict good|bad --reviewer NAME [--notes TEXT]
    gyde review ab [--campaign ID] [--json]

Transcripts are redacted before they are stored (conversation/online.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("review", help="human review queue and A/B outcome counts")
    parser.add_argument("--database-url", default=None, help="defaults to GYDE_DATABASE_URL")
    actions = parser.add_subparsers(dest="review_command", required=True)
    listing = actions.add_parser("list", help="calls waiting for (or done with) review")
    listing.add_argument("--status", choices=("pending", "reviewed"), default="pending")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="one call's redacted transcript and outcome")
    show.add_argument("id", type=int)
    mark = actions.add_parser("mark", help="record a reviewer's verdict")
    mark.add_argument("id", type=int)
    mark.add_argument("--verdict", choices=("good", "bad"), required=True)
    mark.add_argument("--reviewer", required=True)
    mark.add_argument("--notes", default="")
    ab = actions.add_parser("ab", help="outcome counts per prompt version")
    ab.add_argument("--campaign", default=None)
    ab.add_argument("--json", action="store_true")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    url = args.database_url
    if url is None:
        from settings import get_settings

        url = get_settings().database_url
    return asyncio.run(_run(args, url))


async def _run(args: argparse.Namespace, url: str) -> int:
    from db.repositories import evals
    from db.repositories.errors import NotFound
    from db.session import Database

    db = Database(url)
    try:
        if args.review_command == "list":
            items = await evals.review_queue(db, args.status)
            if args.json:
                print(json.dumps(items))
            for item in [] if args.json else items:
                print(
                    f"#{item['id']} {item['call_sid']} {item['prompt_version']} {item['outcome']} ({item['flag_reason']})"
                )
            return 0
        if args.review_command == "show":
            try:
                item = await evals.review_item(db, args.id)
            except NotFound as exc:
                print(f"gyde review: {exc}")
                return 1
            print(f"call {item['call_sid']} - prompt {item['prompt_version']} - outcome {item['outcome']}")
            print(f"flagged: {item['flag_reason']}; verdict: {item['verdict'] or 'not reviewed'}")
            print(item["transcript"])
            return 0
        if args.review_command == "mark":
            try:
                await evals.mark_reviewed(
                    db, args.id, reviewer=args.reviewer, verdict=args.verdict, notes=args.notes
                )
            except NotFound as exc:
                print(f"gyde review: {exc}")
                return 1
            print(f"review #{args.id}: {args.verdict}")
            return 0
        counts = await evals.outcome_counts(db, args.campaign)
        if args.json:
            print(json.dumps(counts))
        else:
            for version, outcomes in sorted(counts.items()):
                total = sum(outcomes.values())
                detail = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
                print(f"{version}: {total} calls - {detail}")
        return 0
    finally:
        await db.dispose()
