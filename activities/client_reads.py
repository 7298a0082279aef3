"""The activities' only way to read client PHI: through db.access as the `system` role, one audit
entry per read naming the workflow step and its purpose, and only the fields that step needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from db.access import ClientView, read_client
from domain.enums import Role
from security.roles import Actor

if TYPE_CHECKING:  # types only: activities import ports and repositories at run time
    from sqlalchemy.ext.asyncio import AsyncSession


def system_actor(step: str) -> Actor:
    """The workflow step acting for the product, e.g. `system:dial`."""
    return Actor(f"system:{step}", Role.SYSTEM)


async def read_for_step(
    session: AsyncSession, step: str, client_id: str, fields: Iterable[str], purpose: str
) -> ClientView:
    return await read_client(session, system_actor(step), client_id, fields, purpose=purpose)


@dataclass(frozen=True)
class ClientContact:
    """What an email or a calendar invite needs to address a client."""

    id: str
    broker_id: str
    first_name: str
    last_name: str
    email: str
    timezone: str

    FIELDS = ("id", "broker_id", "first_name", "last_name", "email", "timezone")

    @classmethod
    def from_view(cls, view: ClientView) -> ClientContact:
        return cls(*(view[name] for name in cls.FIELDS))


async def read_contact(session: AsyncSession, step: str, client_id: str, purpose: str) -> ClientContact:
    view = await read_for_step(session, step, client_id, ClientContact.FIELDS, purpose)
    return ClientContact.from_view(view)
