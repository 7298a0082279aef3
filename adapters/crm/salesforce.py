"""Salesforce through simple-salesforce. Idempotency rides on an external-id field: every write is
an upsert of a Task keyed by a digest of our idempotency key, so however often an activity is
retried, Salesforce holds one record per key.

Org setup this adapter expects on the Task object (all custom text fields):
- `Gyde_Idempotency_Key__c`: Text(64), External ID, Unique (holds sha256(key) in hex: keys carry
  `/` and `:` which do not survive a REST path, and a digest has a fixed length);
- `Gyde_Client_Id__c`, `Gyde_Campaign_Id__c`, `Gyde_Broker_Id__c`, `Gyde_Appointment_Id__c`.

simple-salesforce is synchronous (requests); calls run in a worker thread with a request timeout
(requests has none by default, and a hung socket would pin the thread past the activity timeout).
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import Any, cast

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError

from adapters.crm.base import CrmError, CrmRejected

EXTERNAL_ID_FIELD = "Gyde_Idempotency_Key__c"
CLIENT_ID_FIELD = "Gyde_Client_Id__c"
CAMPAIGN_ID_FIELD = "Gyde_Campaign_Id__c"
BROKER_ID_FIELD = "Gyde_Broker_Id__c"
APPOINTMENT_ID_FIELD = "Gyde_Appointment_Id__c"
DEFAULT_TIMEOUT_S = 30.0
# Statuses Salesforce keeps returning for the same request: retrying cannot help.
REJECTED_STATUSES = frozenset({300, 400, 401, 403, 404, 405, 409, 413, 415})


def external_id(key: str) -> str:
    """The external-id value of an idempotency key: stable, URL-safe, 64 characters."""
    return hashlib.sha256(key.encode()).hexdigest()


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout_s: float, verify: bool | str) -> None:
        super().__init__()
        self._timeout_s = timeout_s
        self._verify = verify

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout_s
        if self._verify is not True:
            kwargs["verify"] = self._verify  # an explicit CA bundle beats REQUESTS_CA_BUNDLE
        return super().send(request, **kwargs)


def timeout_session(timeout_s: float = DEFAULT_TIMEOUT_S, verify: bool | str = True) -> requests.Session:
    """A requests session whose every request has a timeout (simple-salesforce sets none).
    `verify` is True (system CAs) or the path of a CA bundle to trust instead."""
    session = requests.Session()
    session.verify = verify
    adapter = _TimeoutAdapter(timeout_s, verify)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _translate(exc: Exception, action: str) -> CrmError:
    if isinstance(exc, SalesforceError):
        status = int(getattr(exc, "status", 0) or 0)
        detail = f"Salesforce {action}: HTTP {status} {exc.content!r:.300}"
        return CrmRejected(detail) if status in REJECTED_STATUSES else CrmError(detail)
    return CrmError(f"Salesforce {action}: {type(exc).__name__}: {exc}")


class SalesforceCrm:
    """Implements adapters.crm.base.Crm on Salesforce Tasks."""

    def __init__(self, client: Salesforce, contact_id_field: str = CLIENT_ID_FIELD) -> None:
        self._sf = client
        self._client_id_field = contact_id_field

    @classmethod
    def from_credentials(
        cls, username: str, password: str, security_token: str, domain: str | None = None
    ) -> SalesforceCrm:
        """Username-password login; simple-salesforce logs in again when the session expires."""
        session = timeout_session()
        return cls(
            Salesforce(
                username=username,
                password=password,
                security_token=security_token,
                domain=domain,
                session=session,
            )
        )

    @classmethod
    def from_session(
        cls, instance_url: str, session_id: str, session: requests.Session | None = None
    ) -> SalesforceCrm:
        """An OAuth access token for an instance (no login call is made)."""
        return cls(
            Salesforce(instance_url=instance_url, session_id=session_id, session=session or timeout_session())
        )

    def _tasks(self) -> SFType:
        return cast(SFType, self._sf.Task)

    def _upsert_task_sync(self, key: str, fields: dict[str, Any]) -> str:
        tasks, ext = self._tasks(), external_id(key)
        try:
            response = tasks.upsert(f"{EXTERNAL_ID_FIELD}/{ext}", fields, raw_response=True)
            body: Any = response.json() if response.content else None
            if isinstance(body, dict) and body.get("id"):
                return str(body["id"])  # API 46.0+: 201 on create, 200 on update, both with the id
            record = tasks.get_by_custom_id(EXTERNAL_ID_FIELD, ext)  # older APIs answer 204 on update
            return str(record["Id"])
        except (SalesforceError, requests.RequestException) as exc:
            raise _translate(exc, f"upsert Task {EXTERNAL_ID_FIELD}={ext}") from exc

    async def _upsert_task(self, key: str, fields: dict[str, Any]) -> str:
        return await asyncio.to_thread(self._upsert_task_sync, key, fields)

    async def write_outcome(
        self, key: str, client_id: str, campaign_id: str, outcome: str, note: str, appointment_id: str | None
    ) -> str:
        fields: dict[str, Any] = {
            "Subject": f"Gyde call outcome: {outcome}",
            "Description": note,
            "Status": "Completed",
            "Priority": "Normal",
            CAMPAIGN_ID_FIELD: campaign_id,
            self._client_id_field: client_id,
        }
        if appointment_id:
            fields[APPOINTMENT_ID_FIELD] = appointment_id
        return await self._upsert_task(key, fields)

    async def create_task(
        self, key: str, client_id: str, broker_id: str, subject: str, due_at: datetime
    ) -> str:
        return await self._upsert_task(
            key,
            {
                "Subject": subject,
                "ActivityDate": due_at.date().isoformat(),
                "Status": "Not Started",
                "Priority": "Normal",
                BROKER_ID_FIELD: broker_id,
                self._client_id_field: client_id,
            },
        )
