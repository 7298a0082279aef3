"""Salesforce through simple-salesforce. Idempotency rides on an external-id field: an upsert
keyed by our idempotency key writes once however often it is retried."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from simple_salesforce.api import Salesforce

EXTERNAL_ID_FIELD = "Gyde_Idempotency_Key__c"


class SalesforceCrm:
    def __init__(self, client: Salesforce, contact_id_field: str = "Gyde_Client_Id__c") -> None:
        self._sf = client
        self._contact_id_field = contact_id_field

    @classmethod
    def from_credentials(cls, username: str, password: str, security_token: str) -> SalesforceCrm:
        return cls(Salesforce(username=username, password=password, security_token=security_token))

    async def _upsert_task(self, key: str, fields: dict[str, Any]) -> str:
        def call() -> str:
            self._sf.Task.upsert(f"{EXTERNAL_ID_FIELD}/{key}", fields)  # type: ignore[operator]
            record = self._sf.Task.get_by_custom_id(EXTERNAL_ID_FIELD, key)  # type: ignore[operator]
            return str(record["Id"])

        return await asyncio.to_thread(call)

    async def write_outcome(
        self, key: str, client_id: str, campaign_id: str, outcome: str, note: str, appointment_id: str | None
    ) -> str:
        return await self._upsert_task(
            key,
            {
                "Subject": f"Gyde call outcome: {outcome}",
                "Description": note,
                "Status": "Completed",
                "Gyde_Campaign_Id__c": campaign_id,
                self._contact_id_field: client_id,
            },
        )

    async def create_task(
        self, key: str, client_id: str, broker_id: str, subject: str, due_at: datetime
    ) -> str:
        return await self._upsert_task(
            key,
            {
                "Subject": subject,
                "ActivityDate": due_at.date().isoformat(),
                "Status": "Not Started",
                self._contact_id_field: client_id,
            },
        )
