"""Business-key identifiers: workflow ids and idempotency keys are derived, never random."""

from __future__ import annotations


def campaign_workflow_id(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


def outreach_workflow_id(campaign_id: str, client_id: str) -> str:
    return f"outreach:{campaign_id}:{client_id}"


def broker_callback_workflow_id(campaign_id: str, client_id: str, seq: int) -> str:
    return f"broker-callback:{campaign_id}:{client_id}:{seq}"


def idempotency_key(workflow_id: str, step: str) -> str:
    """Key of one side effect: the workflow that asks for it plus the step's stable name."""
    return f"{workflow_id}/{step}"


def parse_outreach_workflow_id(workflow_id: str) -> tuple[str, str]:
    """Return (campaign_id, client_id) of an outreach workflow id, or raise ValueError."""
    prefix, sep, rest = workflow_id.partition(":")
    campaign_id, sep2, client_id = rest.partition(":")
    if prefix != "outreach" or not sep or not sep2 or not campaign_id or not client_id:
        raise ValueError(f"not an outreach workflow id: {workflow_id!r}")
    return campaign_id, client_id


def dial_task_queue(task_queue: str) -> str:
    """Dial activities run on their own rate-limited queue, named after the workflow queue."""
    return f"{task_queue}-dial"
