"""Evidence helpers: fetch a workflow's raw history exactly as the Temporal server stores it (no
codec applied) and look for plaintext PHI in it. Used by tests of every workflow."""

from __future__ import annotations

from collections.abc import Iterable

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client


async def raw_history_bytes(client: Client, workflow_id: str, run_id: str = "") -> bytes:
    """All history pages, serialized protobuf bytes, straight from the server's API."""
    chunks: list[bytes] = []
    token = b""
    while True:
        response = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id),
                next_page_token=token,
            )
        )
        chunks.append(response.history.SerializeToString())
        token = response.next_page_token
        if not token:
            return b"".join(chunks)


def find_plaintext(raw: bytes, needles: Iterable[str]) -> list[str]:
    """The needles present in `raw` (UTF-8, case-insensitive)."""
    lowered = raw.lower()
    return [n for n in needles if n and n.lower().encode() in lowered]
