"""What the campaign and broker routers share: the CampaignControl dependency and one mapping
from its errors to HTTP answers (never a 500 for something the caller or an outage caused)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from api.temporal_gateway import (
    AlreadyStarted,
    CampaignControl,
    Rejected,
    TemporalUnavailable,
    UnknownWorkflow,
)

NO_CONTROL = "campaign steering is unavailable: this api was started without a Temporal client"


def require_control(control: CampaignControl | None) -> CampaignControl:
    if control is None:
        raise HTTPException(503, NO_CONTROL)
    return control


@contextmanager
def steering_errors() -> Iterator[None]:
    """UnknownWorkflow -> 404, Rejected / AlreadyStarted -> 409, Temporal down -> 503."""
    try:
        yield
    except UnknownWorkflow as exc:
        raise HTTPException(404, str(exc)) from None
    except (Rejected, AlreadyStarted) as exc:
        raise HTTPException(409, str(exc)) from None
    except TemporalUnavailable as exc:
        raise HTTPException(503, str(exc)) from None
