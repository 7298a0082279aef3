"""Client CSV import: every row validated (phone to E.164 in an allowed region, date of birth,
time zone, US state or territory, broker); good rows are inserted, bad ones come back with their
line number and reason, so nothing is lost.

Reasons never repeat a value, and the rejects file keeps only the line, the reason and the
non-PHI columns whose values fit their column (a shifted row would otherwise copy a name or a
phone number into a plaintext file next to the input): the PHI stays in the source file."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.phone_numbers import normalize_e164
from db.models import Broker, Client
from db.repositories import audit
from domain.enums import ProductType
from domain.phone import InvalidPhoneNumber
from security.redaction import redact
from security.roles import CLIENT_FIELDS

REQUIRED = (
    "id",
    "broker_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "timezone",
    "state",
    "date_of_birth",
)
OPTIONAL = ("current_plan", "coverage_gaps", "has_spouse")
REJECT_COLUMNS = ("line", "reason", "id", "broker_id", "state", "timezone")

# USPS codes of the 50 states, DC and the inhabited territories (calling rules are per state).
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY"
    " NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP".split()
)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str
    raw: dict[str, str]


@dataclass(frozen=True)
class ImportResult:
    imported: list[str]
    rejected: list[RejectedRow]


class CsvFormatError(ValueError):
    """The file itself is unusable (missing columns), as opposed to a bad row."""


def _parse_row(row: dict[str, str], brokers: set[str]) -> Client:
    missing = [name for name in REQUIRED if not (row.get(name) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    try:
        phone = normalize_e164(row["phone"])
    except InvalidPhoneNumber as exc:
        raise ValueError(f"invalid phone number ({exc})") from exc
    try:
        born = date.fromisoformat(row["date_of_birth"].strip())
    except ValueError as exc:
        raise ValueError("date_of_birth must be YYYY-MM-DD") from exc
    if not date(1900, 1, 1) <= born <= date.today():
        raise ValueError("date_of_birth out of range")
    if not _valid_zone(row["timezone"]):
        raise ValueError("unknown time zone (an IANA name such as America/New_York)")
    state = row["state"].strip().upper()
    if state not in US_STATES:
        raise ValueError("state must be a US state or territory code (two letters, e.g. NY, DC, PR)")
    if row["broker_id"].strip() not in brokers:
        raise ValueError("unknown broker_id")
    gaps = [g.strip() for g in (row.get("coverage_gaps") or "").split(";") if g.strip()]
    products = sorted(p.value for p in ProductType)
    if any(g not in products for g in gaps):
        raise ValueError(f"unknown coverage gap (use {', '.join(products)}, separated by ;)")
    return Client(
        id=row["id"].strip(),
        broker_id=row["broker_id"].strip(),
        first_name=row["first_name"].strip(),
        last_name=row["last_name"].strip(),
        phone=phone,
        email=row["email"].strip(),
        timezone=row["timezone"].strip(),
        state=state,
        date_of_birth=born,
        current_plan=(row.get("current_plan") or "").strip(),
        coverage_gaps=gaps,
        has_spouse=(row.get("has_spouse") or "").strip().lower() in {"1", "true", "yes", "y"},
    )


@dataclass(frozen=True)
class Validated:
    """The outcome of checking every row without writing: the clients that would be added, and
    the rows that would not (with line and reason)."""

    clients: list[Client]
    rejected: list[RejectedRow]


def read_csv_text(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Rows and header of CSV text (an uploaded file, or a file read by the CLI)."""
    reader = csv.DictReader(text.lstrip("\ufeff").splitlines())
    rows = list(reader)
    return rows, list(reader.fieldnames or [])


async def validate_clients(
    session: AsyncSession, rows: Iterable[dict[str, str]], header: list[str]
) -> Validated:
    """Check every row against the database's brokers and clients; write nothing."""
    absent = [name for name in REQUIRED if name not in header]
    if absent:
        raise CsvFormatError(f"CSV is missing required column(s): {', '.join(absent)}")
    brokers = set((await session.execute(select(Broker.id))).scalars().all())
    existing = set((await session.execute(select(Client.id))).scalars().all())
    clients: list[Client] = []
    rejected: list[RejectedRow] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            client = _parse_row(row, brokers)
            if client.id in existing:
                raise ValueError("duplicate client id")
        except ValueError as exc:
            rejected.append(RejectedRow(line, str(exc), row))
            continue
        existing.add(client.id)
        clients.append(client)
    return Validated(clients, rejected)


async def add_clients(
    session: AsyncSession, clients: list[Client], *, actor: str, role: str = "system"
) -> list[str]:
    """Insert validated clients, each an audited PHI write by `actor` in `role` (committed)."""
    for client in clients:
        session.add(client)
        written = tuple(
            sorted(name for name in CLIENT_FIELDS if getattr(client, name, None) not in (None, ""))
        )
        await audit.append(
            session,
            audit.AuditRecord(actor, role, "write", "client", client.id, written, "client import"),
        )
    await session.commit()
    return [client.id for client in clients]


async def import_clients(
    session: AsyncSession, rows: Iterable[dict[str, str]], header: list[str], *, actor: str = "cli:import"
) -> ImportResult:
    """Validate and add every good row; each client written is an audited PHI write by `actor`."""
    checked = await validate_clients(session, rows, header)
    return ImportResult(await add_clients(session, checked.clients, actor=actor), checked.rejected)


async def import_csv_file(session: AsyncSession, path: Path, *, actor: str = "cli:import") -> ImportResult:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return await import_clients(session, list(reader), list(reader.fieldnames or []), actor=actor)


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name.strip())


def _safe_id(value: str) -> str:
    """An id-shaped value that no PHI pattern (phone, date, email, SSN) matches, else ''."""
    value = value.strip()
    return value if _ID.fullmatch(value) and redact(value) == value else ""


def reject_record(rejected: RejectedRow) -> dict[str, str]:
    """What the rejects file may keep of a rejected row: no PHI column, and an identifying column
    only when its value fits that column."""
    raw = rejected.raw
    state = (raw.get("state") or "").strip().upper()
    zone = (raw.get("timezone") or "").strip()
    return {
        "line": str(rejected.line),
        "reason": rejected.reason,
        "id": _safe_id(raw.get("id") or ""),
        "broker_id": _safe_id(raw.get("broker_id") or ""),
        "state": state if state in US_STATES else "",
        "timezone": zone if _valid_zone(zone) else "",
    }


def write_rejects(path: Path, rejected: list[RejectedRow]) -> Path:
    """Which lines of the input to fix and why, next to the input (FILE.rejects.csv); fix those
    lines in the source file and import it again (already imported ids are reported as duplicates)."""
    out = path.with_suffix(".rejects.csv")
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(REJECT_COLUMNS))
        writer.writeheader()
        for row in rejected:
            writer.writerow(reject_record(row))
    return out
