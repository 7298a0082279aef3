"""Campaign requests and responses (with OpenAPI examples)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# No colon: workflow ids are `outreach:{campaign_id}:{client_id}`.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class CallingWindowIn(BaseModel):
    """Local calling hours in each client's own time zone."""

    start_hour: int = Field(default=8, ge=0, le=23)
    end_hour: int = Field(default=21, ge=1, le=24)
    weekdays_only: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_hour >= self.end_hour:
            raise ValueError("start_hour must be before end_hour")
        return self


class CampaignSettings(BaseModel):
    max_concurrent_calls: int = Field(default=10, ge=1, le=1000)
    dials_per_minute: float = Field(default=30.0, gt=0, le=600)
    max_attempts: int = Field(default=3, ge=1, le=10)
    window: CallingWindowIn = Field(default_factory=CallingWindowIn)
    page_size: int = Field(default=500, ge=1, le=5000)


class CampaignCreate(BaseModel):
    """A campaign over existing clients: list them, or name a broker (all its clients), or
    neither (every client)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": "spring-dental",
                    "name": "Spring dental review",
                    "broker_id": "brk-1-000",
                    "settings": {"max_concurrent_calls": 5, "dials_per_minute": 10},
                    "start": True,
                }
            ]
        }
    )

    campaign_id: EntityId
    name: str | None = Field(default=None, min_length=1, max_length=200)
    client_ids: list[EntityId] | None = Field(default=None, min_length=1, max_length=100_000)
    broker_id: EntityId | None = None
    settings: CampaignSettings = Field(default_factory=CampaignSettings)
    start: bool = True

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if self.client_ids is not None and self.broker_id is not None:
            raise ValueError("give client_ids or broker_id, not both")
        return self


class RowError(BaseModel):
    """One CSV row that cannot be used: its line in the file (the header is line 1) and why.
    The reason never repeats a value from the row."""

    line: int
    reason: str


class CampaignOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": "spring-dental",
                    "name": "Spring dental review",
                    "status": "running",
                    "clients": 120,
                    "created_at": "2026-03-02T14:00:00Z",
                    "workflow_id": "campaign:spring-dental",
                }
            ]
        }
    )

    campaign_id: str
    name: str
    status: str = Field(description="draft, running or completed (the workflow's state is in progress)")
    clients: int
    created_at: datetime
    workflow_id: str


class CampaignList(BaseModel):
    campaigns: list[CampaignOut]
    next_after: str | None = Field(description="pass as `after` for the next page; null on the last")


class CampaignCreated(BaseModel):
    campaign: CampaignOut
    started: bool
    imported: int = Field(default=0, description="clients imported from an uploaded file")
    rejected: list[RowError] = Field(default_factory=list, description="rows skipped (skip_invalid)")


class UploadRejected(BaseModel):
    """The file had bad rows and skip_invalid was not set: nothing was imported or started."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "2 invalid rows; nothing was imported or started",
                    "rejected": [
                        {"line": 3, "reason": "invalid phone number (not a valid number)"},
                        {"line": 7, "reason": "unknown broker_id"},
                    ],
                }
            ]
        }
    )

    detail: str
    rejected: list[RowError]


class ImportOut(BaseModel):
    imported: int
    client_ids: list[str]
    rejected: list[RowError]


class Progress(BaseModel):
    """Where a campaign's clients are (by stage) and how the finished ones ended (by outcome)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": "spring-dental",
                    "state": "running",
                    "started": 120,
                    "in_flight": 5,
                    "by_stage": {
                        "in_call": 5,
                        "waiting_for_dial_slot": 2,
                        "waiting_window_or_retry": 40,
                        "done": 73,
                    },
                    "by_outcome": {"scheduled": 21, "declined": 30, "no_answer": 22},
                    "paused": False,
                    "paused_because": "",
                    "cancelled": False,
                    "max_concurrent_calls": 5,
                    "dials_per_minute": 10.0,
                }
            ]
        }
    )

    campaign_id: str
    state: str = Field(description="the workflow: not_started, running, completed, failed, terminated...")
    started: int
    in_flight: int
    by_stage: dict[str, int]
    by_outcome: dict[str, int]
    paused: bool
    paused_because: str
    cancelled: bool
    max_concurrent_calls: int
    dials_per_minute: float


class CampaignDetail(BaseModel):
    campaign: CampaignOut
    progress: Progress


class Throttle(BaseModel):
    """A live change of pace; omit a field to keep its value."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"max_concurrent_calls": 3, "dials_per_minute": 6}]}
    )

    max_concurrent_calls: int | None = Field(default=None, ge=1, le=1000)
    dials_per_minute: float | None = Field(default=None, gt=0, le=600)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.max_concurrent_calls is None and self.dials_per_minute is None:
            raise ValueError("nothing to change: give max_concurrent_calls or dials_per_minute")
        return self


class Steered(BaseModel):
    campaign_id: str
    signalled: str
