"""The one way every process (worker, api, media server, CLI) connects to Temporal: same address,
namespace and encrypting data converter everywhere."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter

from security.keyring import KeyRing
from security.payload_codec import data_converter
from settings import Settings


def build_data_converter(settings: Settings) -> DataConverter:
    return data_converter(KeyRing.from_settings(settings))


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=build_data_converter(settings),
    )


async def ensure_search_attributes(client: Client, namespace: str = "default") -> None:
    """Register our custom search attributes (idempotent: already-present ones are skipped)."""
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
