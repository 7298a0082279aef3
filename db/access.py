"""Field-level access to client PHI, enforced in the repository layer and audited.

Every read or write of client fields goes through here with an `Actor`: the role's rules
(security/roles.py) decide which fields, brokers are limited to their own clients, and each
decision - granted or denied - is appended to the audit log with actor, role, fields and
purpose. Reads and denials commit their audit entry before returning or raising, so a read-only
caller that never commits (or rolls back on the error) cannot lose the record - call these at the
start of a unit of work. A write's audit entry commits with the write itself.

The voice agent gets an `AgentClientView`, a type that has no SSN, medical notes, date of birth
or phone field at all, so no code path can hand the agent those values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client
from db.repositories import audit
from db.repositories.errors import NotFound
from domain.enums import Role
from security.roles import AGENT_CLIENT_FIELDS, CLIENT_FIELDS, AccessDenied, AccessPolicy, Actor

_POLICY = AccessPolicy()


@dataclass(frozen=True)
class ClientView:
    """Only the fields that were asked for and granted."""

    client_id: str
    values: Mapping[str, Any]

    def __getitem__(self, field: str) -> Any:
        if field not in self.values:
            raise KeyError(f"field {field!r} was not requested for this view")
        return self.values[field]


@dataclass(frozen=True)
class AgentClientView:
    """Everything the ai_agent may know about a client - and nothing else, by construction."""

    client_id: str
    broker_id: str
    first_name: str
    last_name: str
    timezone: str
    state: str
    current_plan: str
    coverage_gaps: tuple[str, ...]
    has_spouse: bool


async def _load(session: AsyncSession, client_id: str) -> Client:
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(f"unknown client {client_id!r}")
    return client


async def record_denial(session: AsyncSession, exc: AccessDenied, entity_id: str, purpose: str) -> None:
    """Commit a deny_<action> entry (the access is about to fail, so nothing else is pending)."""
    await audit.append_and_commit(
        session,
        audit.AuditRecord(
            actor=exc.actor.actor_id,
            role=exc.actor.role.value,
            action=f"deny_{exc.action}",
            entity=exc.entity,
            entity_id=entity_id,
            fields=exc.fields,
            purpose=purpose,
        ),
    )


async def _authorise(
    session: AsyncSession,
    actor: Actor,
    action: str,
    client_id: str,
    fields: frozenset[str],
    purpose: str,
    policy: AccessPolicy,
) -> Client:
    unknown = fields - CLIENT_FIELDS
    if unknown:
        raise ValueError(f"unknown client fields: {', '.join(sorted(unknown))}")
    if not purpose:
        raise ValueError("every PHI access states its purpose")
    try:
        # Field rules first (no row needed), then ownership on the loaded row.
        if action == "read":
            policy.check_read(actor, "client", fields)
        else:
            policy.check_write(actor, "client", fields)
        client = await _load(session, client_id)
        if action == "read":
            policy.check_read(actor, "client", fields, owner_broker_id=client.broker_id)
        else:
            policy.check_write(actor, "client", fields, owner_broker_id=client.broker_id)
    except AccessDenied as exc:
        await record_denial(session, exc, client_id, purpose)
        raise
    await audit.append(
        session,
        audit.AuditRecord(
            actor.actor_id, actor.role.value, action, "client", client_id, tuple(fields), purpose
        ),
    )
    if action == "read":
        await session.commit()
    return client


async def read_client(
    session: AsyncSession,
    actor: Actor,
    client_id: str,
    fields: Iterable[str],
    *,
    purpose: str,
    policy: AccessPolicy = _POLICY,
) -> ClientView:
    """Read the named client fields if the actor's role allows all of them (else AccessDenied)."""
    wanted = frozenset(fields)
    client = await _authorise(session, actor, "read", client_id, wanted, purpose, policy)
    return ClientView(client_id, {name: getattr(client, name) for name in sorted(wanted)})


async def read_client_for_agent(
    session: AsyncSession, actor: Actor, client_id: str, *, purpose: str
) -> AgentClientView:
    """The conversation's only way to learn about a client."""
    if actor.role is not Role.AI_AGENT:
        raise ValueError("read_client_for_agent is for the ai_agent role")
    view = await read_client(session, actor, client_id, AGENT_CLIENT_FIELDS, purpose=purpose)
    return AgentClientView(
        client_id=client_id,
        broker_id=view["broker_id"],
        first_name=view["first_name"],
        last_name=view["last_name"],
        timezone=view["timezone"],
        state=view["state"],
        current_plan=view["current_plan"],
        coverage_gaps=tuple(view["coverage_gaps"] or ()),
        has_spouse=bool(view["has_spouse"]),
    )


async def verify_client_dob(
    session: AsyncSession,
    actor: Actor,
    client_id: str,
    claimed: date,
    *,
    purpose: str = "identity verification",
) -> bool:
    """Yes/no identity check for the agent's VERIFY stage: the date of birth is compared here and
    never returned, so the agent can verify a caller without ever holding the value."""
    client = await _load(session, client_id)
    if actor.role not in (Role.AI_AGENT, Role.SYSTEM, Role.BROKER) or (
        actor.role is Role.BROKER and client.broker_id != actor.broker_id
    ):
        exc = AccessDenied(actor, "verify", "client", ("date_of_birth",), "not permitted to verify identity")
        await record_denial(session, exc, client_id, purpose)
        raise exc
    await audit.append(
        session,
        audit.AuditRecord(
            actor.actor_id, actor.role.value, "verify", "client", client_id, ("date_of_birth",), purpose
        ),
    )
    matches = client.date_of_birth == claimed
    await session.commit()
    return matches


async def write_client(
    session: AsyncSession,
    actor: Actor,
    client_id: str,
    changes: Mapping[str, Any],
    *,
    purpose: str,
    policy: AccessPolicy = _POLICY,
) -> None:
    """Apply field changes if the actor's role may write all of them (flushed, not committed)."""
    client = await _authorise(session, actor, "write", client_id, frozenset(changes), purpose, policy)
    for name, value in changes.items():
        setattr(client, name, value)
    await session.flush()
