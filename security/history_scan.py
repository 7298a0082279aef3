"""Evidence helpers for PHI-leak tests: fetch a workflow's raw history exactly as the Temporal
server stores it (no codec applied), spell out the forms a leaked value could take, and search
raw bytes (histories, captured log output) for them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

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


def phi_needles(
    *, names: Iterable[str] = (), phones: Iterable[str] = (), dates: Iterable[date] = ()
) -> list[str]:
    """The spellings a leak could take: each phone as E.164, bare digits and US formats; each date
    as ISO, US numeric and long form; names as given. Feed them to `find_plaintext` over captured
    logs or raw histories of an end-to-end run."""
    needles: list[str] = [n for n in names if n]
    for phone in phones:
        digits = "".join(ch for ch in phone if ch.isdigit())
        national = digits[-10:]
        needles += [
            phone,
            national,
            f"({national[:3]}) {national[3:6]}-{national[6:]}",
            f"{national[:3]}-{national[3:6]}-{national[6:]}",
        ]
    for day in dates:
        needles += [
            day.isoformat(),
            f"{day.month}/{day.day}/{day.year}",
            f"{day:%m/%d/%Y}",
            f"{day:%B} {day.day}, {day.year}",
        ]
    return list(dict.fromkeys(needles))
