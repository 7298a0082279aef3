"""Translate domain errors into Temporal failures: the ones a retry cannot fix are non-retryable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.exceptions import ApplicationError

from adapters.crm.base import CrmRejected
from adapters.email.base import EmailRejected
from adapters.scheduling.base import AlreadyBooked, SchedulingRejected, SlotTaken
from adapters.telephony.base import TelephonyRejected
from db.repositories.errors import NotFound
from domain.phone import InvalidPhoneNumber

# Errors no retry can fix: bad ids, taken slots, invalid numbers, and vendors refusing the request
# itself (bad credentials, invalid fields). Everything else is retried by the activity policy.
NON_RETRYABLE: tuple[type[Exception], ...] = (
    NotFound,
    SlotTaken,
    AlreadyBooked,
    InvalidPhoneNumber,
    CrmRejected,
    EmailRejected,
    SchedulingRejected,
    TelephonyRejected,
)


@asynccontextmanager
async def domain_errors() -> AsyncIterator[None]:
    try:
        yield
    except NON_RETRYABLE as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
