"""The one-time sign-in link for the local Temporal UI (`gyde dev`, `gyde demo --keep-running`).

Opening it in a browser on this machine sets the codec session cookie (api/routers/codec.py
`GET /codec/signin`) and lands on the UI's workflow list, which then decodes payloads through
the api's codec at once. The link carries a session id valid for 15 minutes and for one use,
standing for a fresh campaign-manager API key whose token is never printed. The link's host is
`localhost`, like the UI's, so the cookie is same-site for the UI's requests to the codec.
"""

from __future__ import annotations

from datetime import timedelta

from db import codec_sessions
from db.session import Database
from domain.enums import Role
from settings import Settings

LINK_TTL = timedelta(minutes=15)
ACTOR = "dev:temporal-ui"


def api_origin(settings: Settings) -> str:
    """The api as the browser reaches it: `localhost`, the same site as the UI."""
    return f"http://localhost:{settings.api_port}"


def ui_origin(settings: Settings) -> str:
    return f"http://localhost:{settings.temporal_ui_port}"


async def signin_link(settings: Settings, database_url: str) -> str:
    """A new one-time sign-in link (each call mints a new key and session)."""
    database = Database(database_url)
    try:
        async with database.session() as session:
            ticket = await codec_sessions.open_signin_session(
                session, ACTOR, Role.CAMPAIGN_MANAGER, ttl=LINK_TTL
            )
            await session.commit()
    finally:
        await database.dispose()
    return f"{api_origin(settings)}/codec/signin?ticket={ticket}"


def signin_message(link: str | None, campaign_id: str | None = None) -> str:
    """What `gyde dev` / `gyde demo --keep-running` print about the link."""
    if link is None:
        return (
            "Payloads show as ciphertext in this UI: only the full stack (`--stack full`, the "
            "default) runs the api's codec and prints a sign-in link."
        )
    lines = [
        "Sign in to the Temporal UI (decrypts payloads; this machine only, one use, 15 minutes):",
        f"  {link}",
    ]
    if campaign_id:
        lines.append(f'  then filter the workflow list with: CampaignId="{campaign_id}"')
    return "\n".join(lines)
