"""SMTP delivery that uses the outbox as its ledger.

`send` claims the key in the outbox ledger first (write-once by idempotency key; the ledger
port is adapters.email.base.OutboxLedger, the outbox table implements it) and
delivers only when this call created the row, so a retried activity, or a second worker racing on
the same key, never emails twice. If delivery fails the row is removed again, so the activity's
retry re-creates it and delivers: a failed send is never recorded as sent.

Limits, stated plainly: a process that dies after the row is committed and before the SMTP server
accepts the message leaves a row with no email (at-most-once in that window; a `sent_at` column on
the outbox would close it). A server that accepts the message but whose answer is lost makes the
retry send it again; the Message-ID is derived from the key, so the copy is recognisable as the
same message.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from adapters.email.base import EmailDeliveryError, EmailRejected, OutboxLedger


def message_id_for(row_id: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "gyde.local"
    return f"<{row_id}@{domain}>"


class SmtpEmail:
    """Implements adapters.email.base.EmailSender over SMTP (STARTTLS by default)."""

    def __init__(
        self,
        ledger: OutboxLedger,
        host: str,
        port: int,
        username: str,
        password: str,
        sender: str,
        *,
        starttls: bool = True,
        timeout_s: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if username and not starttls:
            raise ValueError("refusing to send SMTP credentials without STARTTLS")
        self._ledger = ledger
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._sender = sender
        self._starttls = starttls
        self._timeout_s = timeout_s
        self._ssl_context = ssl_context

    async def send(self, key: str, to_address: str, subject: str, body: str, template: str) -> str:
        message_id, created = await self._ledger.claim(key, to_address, subject, body, template)
        if not created:
            return message_id
        try:
            await asyncio.to_thread(self._deliver, message_id, to_address, subject, body)
        except Exception:
            # Not on cancellation: the sending thread cannot be stopped and may still deliver.
            await self._ledger.release(key)
            raise
        return message_id

    def build_message(self, row_id: str, to_address: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to_address
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = message_id_for(row_id, self._sender)
        message.set_content(body)
        return message

    def _deliver(self, row_id: str, to_address: str, subject: str, body: str) -> None:
        message = self.build_message(row_id, to_address, subject, body)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout_s) as smtp:
                if self._starttls:
                    smtp.starttls(context=self._ssl_context or ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password)
                refused = smtp.send_message(message)
        except smtplib.SMTPNotSupportedError as exc:
            raise EmailRejected(f"SMTP {self._host}:{self._port}: {exc} (configure starttls=False?)") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = EmailRejected if all(code >= 500 for code in codes) else EmailDeliveryError
            raise error(f"SMTP refused the recipient: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            error = EmailRejected if exc.smtp_code >= 500 else EmailDeliveryError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r:.200}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailDeliveryError(f"SMTP {self._host}:{self._port}: {type(exc).__name__}: {exc}") from exc
        if refused:
            raise EmailDeliveryError(f"SMTP refused some recipients: {sorted(refused)}")
