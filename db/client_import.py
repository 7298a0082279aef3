"""Client CSV import: every row validated (phone to E.164, date of birth, time zone, broker);
good rows are inserted, bad ones come back with their line number and reason, so nothing is lost."""

from __future__ import annotations

import csv
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
    try:
        ZoneInfo(row["timezone"].strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {row['timezone']!r}") from exc
    if row["broker_id"].strip() not in brokers:
        raise ValueError(f"unknown broker {row['broker_id']!r}")
    gaps = [g.strip() for g in (row.get("coverage_gaps") or "").split(";") if g.strip()]
    bad_gaps = [g for g in gaps if g not in {p.value for p in ProductType}]
    if bad_gaps:
        raise ValueError(f"unknown coverage gap(s) {bad_gaps}")
    return Client(
        id=row["id"].strip(),
        broker_id=row["broker_id"].strip(),
        first_name=row["first_name"].strip(),
        last_name=row["last_name"].strip(),
        phone=phone,
        email=row["email"].strip(),
        timezone=row["timezone"].strip(),
        state=row["state"].strip().upper()[:2],
        date_of_birth=born,
        current_plan=(row.get("current_plan") or "").strip(),
        coverage_gaps=gaps,
        has_spouse=(row.get("has_spouse") or "").strip().lower() in {"1", "true", "yes", "y"},
    )


async def import_clients(
    session: AsyncSession, rows: Iterable[dict[str, str]], header: list[str], *, actor: str = "cli:import"
) -> ImportResult:
    """Validate and add every row; each client written is an audited PHI write by `actor`."""
    absent = [name for name in REQUIRED if name not in header]
    if absent:
        raise CsvFormatError(f"CSV is missing required column(s): {', '.join(absent)}")
    brokers = set((await session.execute(select(Broker.id))).scalars().all())
    existing = set((await session.execute(select(Client.id))).scalars().all())
    imported: list[str] = []
    rejected: list[RejectedRow] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            client = _parse_row(row, brokers)
            if client.id in existing:
                raise ValueError(f"duplicate client id {client.id!r}")
        except ValueError as exc:
            rejected.append(RejectedRow(line, str(exc), row))
            continue
        session.add(client)
        existing.add(client.id)
        imported.append(client.id)
        written = tuple(
            sorted(name for name in CLIENT_FIELDS if getattr(client, name, None) not in (None, ""))
        )
        await audit.append(
            session,
            audit.AuditRecord(actor, "system", "write", "client", client.id, written, "client import"),
        )
    await session.commit()
    return ImportResult(imported, rejected)


async def import_csv_file(session: AsyncSession, path: Path, *, actor: str = "cli:import") -> ImportResult:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return await import_clients(session, list(reader), list(reader.fieldnames or []), actor=actor)


def write_rejects(path: Path, rejected: list[RejectedRow]) -> Path:
    """Rejected rows with their reason, next to the input: fix them and import that file again."""
    out = path.with_suffix(".rejects.csv")
    fields = ["line", "reason", *REQUIRED, *OPTIONAL]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rejected:
            writer.writerow({"line": row.line, "reason": row.reason, **row.raw})
    return out
