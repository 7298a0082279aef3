"""SmtpEmail against a real SMTP server on 127.0.0.1 (aiosmtpd), with the outbox table as ledger."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from adapters.email.smtp import EmailDeliveryError, EmailRejected, SmtpEmail
from db.local.outbox import OutboxTable
from db.models import OutboxEmail
from db.repositories.outreach import short_id
from db.session import Database
from tests.adapters.tls import server_context, write_localhost_cert

KEY = "outreach:camp1:client1/confirmation-email"
SENDER = "Emma at Gyde <emma@gyde.example>"
UNKNOWN = "nobody@example.com"


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps what it accepts; scripted refusals stand in for a real MTA's."""

    delivered: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    data_reply: str | None = None  # e.g. "451 4.3.0 try again later"
    tls_sessions: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == UNKNOWN:
            return "550 5.1.1 <nobody@example.com>: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply is not None:
            return self.data_reply
        if session.ssl is not None:
            self.tls_sessions += 1
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.delivered.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    mailbox: Mailbox
    port: int
    client_tls: ssl.SSLContext | None = None


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield Server(mailbox, controller.port)
    finally:
        controller.stop()


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[Server]:
    cert, key = write_localhost_cert(tmp_path)
    mailbox = Mailbox()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=server_context(cert, key),
        require_starttls=True,
    )
    controller.start()
    try:
        yield Server(mailbox, controller.port, ssl.create_default_context(cafile=str(cert)))
    finally:
        controller.stop()


def plain_sender(db: Database, server: Server) -> SmtpEmail:
    return SmtpEmail(OutboxTable(db), "127.0.0.1", server.port, "", "", SENDER, starttls=False, timeout_s=5)


async def outbox_rows(db: Database) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(OutboxEmail))).scalar_one())


async def test_the_same_key_twice_delivers_one_message(database: Database, smtp_server: Server) -> None:
    email = plain_sender(database, smtp_server)
    first = await email.send(KEY, "ann@example.com", "Your appointment", "Tuesday at 10.", "confirmation")
    second = await email.send(KEY, "ann@example.com", "Your appointment", "Tuesday at 10.", "confirmation")
    assert first == second == short_id("msg", KEY)
    assert len(smtp_server.mailbox.delivered) == 1
    assert await outbox_rows(database) == 1


async def test_headers_and_envelope(sqlite_db: Database, smtp_server: Server) -> None:
    email = plain_sender(sqlite_db, smtp_server)
    message_id = await email.send(
        KEY, "ann@example.com", "Your appointment", "Tuesday at 10.", "confirmation"
    )
    [(mail_from, rcpt_tos, message)] = smtp_server.mailbox.delivered
    assert mail_from == "emma@gyde.example"
    assert rcpt_tos == ["ann@example.com"]
    assert message["From"] == SENDER
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "Your appointment"
    assert message["Message-ID"] == f"<{message_id}@gyde.example>"
    assert message["Date"]
    assert message.get_content().strip() == "Tuesday at 10."


async def test_different_keys_are_different_messages(sqlite_db: Database, smtp_server: Server) -> None:
    email = plain_sender(sqlite_db, smtp_server)
    a = await email.send(KEY, "ann@example.com", "One", "1", "confirmation")
    b = await email.send(KEY + "-reminder", "ann@example.com", "Two", "2", "reminder")
    assert a != b
    ids = [message["Message-ID"] for _, _, message in smtp_server.mailbox.delivered]
    assert len(set(ids)) == 2


async def test_a_transient_refusal_keeps_no_row_so_the_retry_delivers(
    sqlite_db: Database, smtp_server: Server
) -> None:
    email = plain_sender(sqlite_db, smtp_server)
    smtp_server.mailbox.data_reply = "451 4.3.0 Try again later"
    with pytest.raises(EmailDeliveryError, match="451") as caught:
        await email.send(KEY, "ann@example.com", "Your appointment", "Tuesday at 10.", "confirmation")
    assert not isinstance(caught.value, EmailRejected)
    assert await outbox_rows(sqlite_db) == 0
    smtp_server.mailbox.data_reply = None
    await email.send(KEY, "ann@example.com", "Your appointment", "Tuesday at 10.", "confirmation")
    assert len(smtp_server.mailbox.delivered) == 1
    assert await outbox_rows(sqlite_db) == 1


async def test_an_unknown_recipient_is_a_permanent_rejection(
    sqlite_db: Database, smtp_server: Server
) -> None:
    email = plain_sender(sqlite_db, smtp_server)
    with pytest.raises(EmailRejected, match="550"):
        await email.send(KEY, UNKNOWN, "Your appointment", "Tuesday at 10.", "confirmation")
    assert smtp_server.mailbox.delivered == []
    assert await outbox_rows(sqlite_db) == 0


async def test_an_unreachable_server_is_retryable(sqlite_db: Database) -> None:
    email = SmtpEmail(
        OutboxTable(sqlite_db), "127.0.0.1", _free_port(), "", "", SENDER, starttls=False, timeout_s=2
    )
    with pytest.raises(EmailDeliveryError, match="ConnectionRefusedError") as caught:
        await email.send(KEY, "ann@example.com", "s", "b", "confirmation")
    assert not isinstance(caught.value, EmailRejected)
    assert await outbox_rows(sqlite_db) == 0


async def test_starttls_is_the_default_and_is_used(sqlite_db: Database, tls_smtp_server: Server) -> None:
    email = SmtpEmail(
        OutboxTable(sqlite_db),
        "127.0.0.1",
        tls_smtp_server.port,
        "",
        "",
        SENDER,
        ssl_context=tls_smtp_server.client_tls,
    )
    await email.send(KEY, "ann@example.com", "Your appointment", "Tuesday at 10.", "confirmation")
    assert len(tls_smtp_server.mailbox.delivered) == 1
    assert tls_smtp_server.mailbox.tls_sessions == 1


async def test_starttls_against_a_server_without_it_fails(sqlite_db: Database, smtp_server: Server) -> None:
    email = SmtpEmail(OutboxTable(sqlite_db), "127.0.0.1", smtp_server.port, "", "", SENDER, timeout_s=5)
    with pytest.raises(EmailRejected, match="STARTTLS"):
        await email.send(KEY, "ann@example.com", "s", "b", "confirmation")
    assert smtp_server.mailbox.delivered == []


def test_credentials_are_never_sent_without_tls(sqlite_db: Database) -> None:
    with pytest.raises(ValueError, match="STARTTLS"):
        SmtpEmail(OutboxTable(sqlite_db), "127.0.0.1", 25, "user", "secret", SENDER, starttls=False)
