"""The one way every process (worker, api, media server, CLI) connects to Temporal: same address,
namespace and encrypting data converter everywhere."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime

from security.keyring import KeyRing
from security.payload_codec import data_converter
from settings import Settings


def build_data_converter(settings: Settings) -> DataConverter:
    return data_converter(KeyRing.from_settings(settings))


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """`runtime` carries the Temporal SDK's own metrics exporter (the worker's, see
    observability/temporal_metrics.py). Every client traces through OpenTelemetry, so a signal
    from the api or the media server continues its trace in the worker (observability/tracing.py)."""
    from observability.tracing import client_interceptors

    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=build_data_converter(settings),
        interceptors=client_interceptors(),
        runtime=runtime,
    )


async def ensure_search_attributes(client: Client, namespace: str = "default") -> list[str]:
    """Register our custom search attributes (idempotent: already-present ones are skipped);
    returns the names it added."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
    from temporalio.common import SearchAttributeIndexedValueType
    from temporalio.service import RPCError, RPCStatusCode

    from workflows.search_attributes import ALL_KEYS

    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        existing: set[str] = set(listed.custom_attributes)
    except RPCError as err:  # the time-skipping test server can add but not list
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {
        key.name: IndexedValueType.ValueType(SearchAttributeIndexedValueType(key.indexed_value_type).value)
        for key in ALL_KEYS
        if key.name not in existing
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)


class TemporalVisibility:
    """activities.campaign.ClosedChildren on Temporal's visibility store: a campaign's client
    workflows that failed, were terminated, timed out or were cancelled before they set their
    `Outcome` (every normal ending sets it in the same workflow task that reports to the
    campaign). A server without visibility (the time-skipping test server) answers nothing."""

    CLOSED_BADLY = '("Failed", "Terminated", "TimedOut", "Canceled")'

    def __init__(self, client: Client, limit: int = 1000) -> None:
        self._client = client
        self._limit = limit

    async def unreported(self, campaign_id: str) -> list[str]:
        from temporalio.service import RPCError, RPCStatusCode

        from domain.ids import parse_outreach_workflow_id

        escaped = campaign_id.replace("\\", "\\\\").replace('"', '\\"')
        query = (
            f'CampaignId = "{escaped}" AND WorkflowType = "ClientOutreachWorkflow" '
            f"AND ExecutionStatus IN {self.CLOSED_BADLY} AND Outcome IS NULL"
        )
        found: list[str] = []
        try:
            async for execution in self._client.list_workflows(query, limit=self._limit):
                try:
                    found.append(parse_outreach_workflow_id(execution.id)[1])
                except ValueError:
                    continue
        except RPCError as err:
            if err.status != RPCStatusCode.UNIMPLEMENTED:
                raise
        return found
