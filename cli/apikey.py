"""`gyde apikey create|list|revoke`: issue API keys to people and tools, see them, end them.

A token is printed once, at creation (only its SHA-256 is stored). Issuing and revoking are
written to the audit log. The `system` and `ai_agent` roles are refused here: they stand for our
own processes (workflow steps in the worker, the agent in the media server), never for a person or
a tool calling the api.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass

from db.api_keys import (
    INTERNAL_ROLES,
    api_key_id,
    create_api_key,
    list_api_keys,
    revoke_api_key_by_id,
)
from db.repositories import audit
from db.session import Database
from domain.enums import Role

ISSUABLE_ROLES = tuple(role.value for role in Role if role not in INTERNAL_ROLES)


def _operator() -> str:
    return f"cli:{getpass.getuser()}"


async def _audit(database: Database, action: str, key_id: str, purpose: str) -> None:
    async with database.session() as session:
        await audit.append_and_commit(
            session, audit.AuditRecord(_operator(), "operator", action, "api_key", key_id, (), purpose)
        )


async def create(database: Database, actor: str, role: Role, broker_id: str | None) -> str:
    if role in INTERNAL_ROLES:
        raise ValueError(f"the {role.value} role is for our own processes, not for api keys")
    async with database.session() as session:
        token = await create_api_key(session, actor, role, broker_id)
        await session.commit()
        key_id = str(await api_key_id(session, token))
    await _audit(database, "create_key", key_id, f"api key for {actor} ({role.value})")
    return token


async def revoke(database: Database, key_id: int) -> bool:
    async with database.session() as session:
        revoked = await revoke_api_key_by_id(session, key_id)
        await session.commit()
    if revoked:
        await _audit(database, "revoke_key", str(key_id), "api key revoked")
    return revoked


async def _main(args: argparse.Namespace, url: str) -> int:
    database = Database(url)
    try:
        if args.apikey_command == "create":
            try:
                token = await create(database, args.actor, Role(args.role), args.broker_id)
            except ValueError as exc:
                print(f"error: {exc}")
                return 2
            print(token)
            print("# shown once: store it now (only its hash is kept)")
            return 0
        if args.apikey_command == "revoke":
            if await revoke(database, args.key_id):
                print(f"revoked key {args.key_id}")
                return 0
            print(f"error: no active key with id {args.key_id}")
            return 1
        async with database.session() as session:
            for key in await list_api_keys(session):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                broker = f" broker={key.broker_id}" if key.broker_id else ""
                print(f"{key.id}\t{key.actor}\t{key.role}{broker}\t{key.created_at:%Y-%m-%d}\t{state}")
        return 0
    finally:
        await database.dispose()


def _run(args: argparse.Namespace) -> int:
    url = args.database_url
    if url is None:
        from settings import get_settings

        url = get_settings().database_url
    return asyncio.run(_main(args, url))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("apikey", help="create, list and revoke api keys")
    parser.add_argument("--database-url", default=None, help="defaults to GYDE_DATABASE_URL")
    actions = parser.add_subparsers(dest="apikey_command", required=True)
    new = actions.add_parser("create", help="issue a key (the token is printed once)")
    new.add_argument("--actor", required=True, help="who holds it, e.g. auditor:jane")
    new.add_argument("--role", required=True, choices=ISSUABLE_ROLES)
    new.add_argument("--broker-id", default=None, help="required for the broker role")
    actions.add_parser("list", help="every key's id, holder, role and state (never tokens)")
    end = actions.add_parser("revoke", help="end a key by its id from `list`")
    end.add_argument("key_id", type=int)
    for action in (new, end, actions.choices["list"]):
        action.set_defaults(func=_run)
