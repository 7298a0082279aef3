"""The campaign's plain rules, apart from its workflow: what a valid spec is, and the order in
which queued clients get their dial permits. Plain functions, no workflow API."""

from __future__ import annotations

from collections import deque

from temporalio.exceptions import ApplicationError

from domain.messages import CampaignSpec


def validate_spec(spec: CampaignSpec) -> None:
    """Refused at the start, non-retryable: a bad spec never becomes a running campaign."""
    if not spec.campaign_id:
        raise ApplicationError("campaign_id is required", type="InvalidCampaign", non_retryable=True)
    if spec.max_concurrent_calls < 1:
        raise ApplicationError(
            "max_concurrent_calls must be at least 1", type="InvalidCampaign", non_retryable=True
        )
    if spec.dials_per_minute <= 0:
        raise ApplicationError(
            "dials_per_minute must be positive", type="InvalidCampaign", non_retryable=True
        )
    if spec.reconcile_seconds < 1:
        raise ApplicationError(
            "reconcile_seconds must be at least 1", type="InvalidCampaign", non_retryable=True
        )
    if spec.max_attempts < 1 or spec.page_size < 1:
        raise ApplicationError(
            "max_attempts and page_size must be at least 1", type="InvalidCampaign", non_retryable=True
        )


def enqueue(queue: deque[str], client_id: str, first: bool) -> None:
    """The permit queue: first tries and retries wait their turn; a callback the client asked
    for (`first`) goes to the front (a callback is a promise made for a time)."""
    if first:
        queue.appendleft(client_id)
    else:
        queue.append(client_id)
