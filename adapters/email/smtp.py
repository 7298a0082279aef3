"""SMTP delivery that uses the outbox as its ledger: the row is written first (write-once by key)
and the message is sent only by the call that created it, so retries never double-email."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from adapters.email.local import LocalOutbox
from db.session import Database


class SmtpEmail:
    def __init__(self, db: Database, host: str, port: int, username: str, password: str, sender: str) -> None:
        self._ledger = LocalOutbox(db)
        self._db = db
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._sender = sender

    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        from db.models import OutboxEmail
        from db.repositories.idempotent import find_by_key

        async with self._db.session() as session:
            already = await find_by_key(session, OutboxEmail, key)
        message_id = await self._ledger.send(key, to_address, subject, body, template)
        if already is None:
            await asyncio.to_thread(self._deliver, message_id, to_address, subject, body)
        return message_id

    def _deliver(self, message_id: str, to_address: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, to_address, subject
        message["Message-ID"] = f"<{message_id}@gyde>"
        message.set_content(body)
        with smtplib.SMTP(self._host, self._port, timeout=30) as smtp:
            smtp.starttls()
            if self._username:
                smtp.login(self._username, self._password)
            smtp.send_message(message)
