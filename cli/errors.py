"""Failures a user can cause, as one line each: Temporal not running, a database that is not
migrated or cannot be opened, an unknown campaign, a bad file. cli/main.py prints the line on
stderr and exits 2 instead of a traceback; anything else is a bug and keeps its traceback."""

from __future__ import annotations

from sqlalchemy.engine import make_url


class UserError(Exception):
    """Something the user can fix; the message says how."""


def safe_url(url: str) -> str:
    """The database URL without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as "the database"
        return "the database"


def not_migrated(url: str) -> UserError:
    return UserError(f"the database {safe_url(url)} is not migrated: run `gyde db upgrade`")


def temporal_down(address: str, reason: str = "") -> UserError:
    why = f" ({reason})" if reason else ""
    return UserError(
        f"Temporal is not reachable at {address}{why}: start it with `gyde dev` "
        "(or point GYDE_TEMPORAL_ADDRESS / --temporal-address at a running server)"
    )


def user_message(exc: BaseException) -> str | None:
    """The one line for a user-caused failure, or None for a bug."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from api.temporal_gateway import AlreadyStarted, Rejected, TemporalUnavailable, UnknownWorkflow

    if isinstance(exc, UserError | TemporalUnavailable | UnknownWorkflow | Rejected | AlreadyStarted):
        return str(exc)
    if isinstance(exc, OperationalError | ProgrammingError):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            return "the database is not migrated: run `gyde db upgrade` (or `gyde seed`, which migrates)"
        return f"cannot use the database: {text.splitlines()[0][:200]}"
    if isinstance(exc, RuntimeError) and "failed client connect" in str(exc).lower():
        return "Temporal is not reachable: start it with `gyde dev` (or set GYDE_TEMPORAL_ADDRESS)"
    return None
