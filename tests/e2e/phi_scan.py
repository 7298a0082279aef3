"""Leak scans over a finished full-stack run: every table of its database and every process log,
searched for each client's name, phone, date of birth, e-mail and SSN in every spelling
(security/phi_spellings.py). Only encrypted columns may hold them, as ciphertext that decrypts."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

import db.models_privacy  # noqa: F401  (registers every table on Base.metadata)
from db.models import Base, Broker, Client
from db.session import Database
from security.field_crypto import EncryptedDate, EncryptedString, decrypt_text
from security.phi_spellings import (
    date_spellings,
    email_spellings,
    name_spellings,
    phone_spellings,
    ssn_spellings,
)


@dataclass(frozen=True)
class ClientPhi:
    client_id: str
    first_name: str
    last_name: str
    phone: str
    email: str
    date_of_birth: date
    ssn: str | None


@dataclass(frozen=True)
class Needles:
    words: list[str]  # names: matched as whole words (a name inside "Annual" is no leak)
    text: list[str]  # everything else: matched anywhere, case-insensitively

    def find(self, raw: bytes) -> list[str]:
        lowered = raw.lower()
        found = [n for n in self.text if n.lower().encode() in lowered]
        found += [
            w
            for w in self.words
            if re.search(rb"(?<![A-Za-z])" + re.escape(w.lower().encode()) + rb"(?![A-Za-z])", lowered)
        ]
        return found


async def load(database_file: Path) -> tuple[list[ClientPhi], set[str]]:
    """The clients' PHI (decrypted through the ORM) and the brokers' name words (the business's
    own contact data, stored in plaintext by design: a client sharing a broker's first name is
    not a leak when that name is found in `brokers`)."""
    db = Database(f"sqlite+aiosqlite:///{database_file}")
    try:
        async with db.session() as session:
            clients = [
                ClientPhi(c.id, c.first_name, c.last_name, c.phone, c.email, c.date_of_birth, c.ssn)
                for c in (await session.execute(select(Client))).scalars()
            ]
            broker_words = {
                word.lower()
                for b in (await session.execute(select(Broker))).scalars()
                for word in b.name.split()
            }
    finally:
        await db.dispose()
    return clients, broker_words


def needles(clients: list[ClientPhi]) -> Needles:
    words: list[str] = []
    text: list[str] = []
    for c in clients:
        for spelling in name_spellings(c.first_name, c.last_name):
            (words if spelling.isalpha() else text).append(spelling)
        text += phone_spellings(c.phone) + date_spellings(c.date_of_birth) + email_spellings(c.email)
        if c.ssn:
            text += ssn_spellings(c.ssn)
    return Needles(list(dict.fromkeys(words)), list(dict.fromkeys(text)))


def encrypted_columns() -> dict[str, dict[str, str]]:
    """table -> column -> encryption context, from the models."""
    out: dict[str, dict[str, str]] = {}
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, EncryptedString | EncryptedDate):
                out.setdefault(table.name, {})[column.name] = column.type.context
    return out


def scan_tables(database_file: Path, found_in: Needles, broker_words: set[str]) -> list[str]:
    """Problems: a needle in a plaintext column, or an encrypted column holding non-ciphertext."""
    encrypted = encrypted_columns()
    problems: list[str] = []
    con = sqlite3.connect(database_file)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert {"clients", "outbox_emails", "crm_notes", "audit_log"} <= set(tables)
        for table in tables:
            cursor = con.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    context = encrypted.get(table, {}).get(column)
                    if context is not None:
                        try:
                            decrypt_text(str(value), context)
                        except Exception as exc:  # noqa: BLE001 - any failure is the finding
                            problems.append(
                                f"{table}.{column}: not ciphertext of its column ({type(exc).__name__})"
                            )
                        continue
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    for needle in found_in.find(raw):
                        if table == "brokers" and needle.lower() in broker_words:
                            continue
                        problems.append(f"{table}.{column}: {needle!r}")
    finally:
        con.close()
    return problems


def scan_logs(log_dir: Path, found_in: Needles) -> tuple[int, dict[str, list[str]]]:
    """(bytes scanned, process log -> needles found)."""
    total = 0
    leaks: dict[str, list[str]] = {}
    for path in sorted(log_dir.glob("*.log")):
        raw = path.read_bytes()
        total += len(raw)
        found = found_in.find(raw)
        if found:
            leaks[path.name] = found
    return total, leaks


def context_of(raw: bytes, needle: str, width: int = 120) -> str:
    """Where a needle sits (for the failure message), itself masked out."""
    at = raw.lower().find(needle.lower().encode())
    if at < 0:
        return ""
    window = raw[max(0, at - width) : at + len(needle) + width].decode(errors="replace")
    return window.replace(needle, "<" + "*" * len(needle) + ">")
