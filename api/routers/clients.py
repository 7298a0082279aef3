"""`GET /clients/{client_id}`: one client, holding only the fields the caller's role may read.

All access goes through db.access.read_client, so security/roles.py RULES decide the fields,
brokers reach only their own clients (another broker's client answers 404, like an unknown id,
so ids cannot be probed; the refusal is audited), and every grant and denial is audited with actor, role,
fields and purpose. By default a caller gets every field its role may read; `fields=a,b` asks for
fewer (minimum necessary), and asking for a field the role may not read is refused with 403 -
never silently trimmed - so the refusal is visible in the audit log too.

Needs a database, so the module exposes no `router` (api.app's auto-discovery skips it);
create_app calls `build_clients_router` when it is given one.

No `from __future__ import annotations`: FastAPI must resolve the locally built dependency
alias at definition time.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.encoders import jsonable_encoder

from api.auth import ApiKeyAuth
from db.access import read_client
from db.repositories.errors import NotFound
from db.session import Database
from security.roles import ALL, CLIENT_FIELDS, AccessDenied, AccessPolicy, Actor, NotOwner

DEFAULT_PURPOSE = "api GET /clients"
_POLICY = AccessPolicy()


def readable_fields(actor: Actor, policy: AccessPolicy = _POLICY) -> frozenset[str]:
    """Every client field the actor's role may read; {"id"} when none, so that read_client
    refuses - and audits - rather than the api deciding on its own."""
    rule = policy.rule(actor.role, "client")
    if rule is None or not rule.read:
        return frozenset({"id"})
    return CLIENT_FIELDS if ALL in rule.read else rule.read & CLIENT_FIELDS


def _requested(fields: str | None, actor: Actor) -> frozenset[str]:
    if fields is None:
        return readable_fields(actor)
    wanted = frozenset(name.strip() for name in fields.split(",") if name.strip())
    unknown = wanted - CLIENT_FIELDS
    if not wanted or unknown:
        raise HTTPException(400, f"unknown client fields: {', '.join(sorted(unknown)) or '(none given)'}")
    return wanted


def build_clients_router(database: Database, auth: ApiKeyAuth) -> APIRouter:
    """The /clients routes over `database`; any authenticated role may ask, RULES answer."""
    router = APIRouter(prefix="/clients", tags=["clients"])
    Caller = Annotated[Actor, Depends(auth.actor)]

    @router.get("/{client_id}")
    async def get_client(
        client_id: Annotated[str, Path(min_length=1, max_length=64)],
        actor: Caller,
        fields: Annotated[str | None, Query(description="comma-separated field names")] = None,
        purpose: Annotated[str, Query(min_length=1, max_length=200)] = DEFAULT_PURPOSE,
    ) -> dict[str, Any]:
        """The granted fields as a flat object (dates ISO 8601)."""
        wanted = _requested(fields, actor)
        async with database.session() as session:
            try:
                view = await read_client(session, actor, client_id, wanted, purpose=purpose)
            except (NotFound, NotOwner):  # another broker's client looks unknown (audited)
                raise HTTPException(404, f"unknown client {client_id!r}") from None
            except AccessDenied as exc:
                raise HTTPException(403, str(exc)) from None
        result: dict[str, Any] = jsonable_encoder(dict(view.values))
        return result

    return router
