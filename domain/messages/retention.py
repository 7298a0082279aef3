"""Recording retention: the retention workflow's input and summary, and its activities' messages
(ids only: nothing about the caller rides in workflow history)."""

# No `from __future__ import annotations`: Temporal resolves these field types inside the workflow
# sandbox, where only `domain.messages` itself is a known module, so they must be real objects.
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RetentionInput:
    retention_days: int = 90
    batch_size: int = 100
    # Carried across continue-as-new so one run has one cutoff and one total.
    cutoff: datetime | None = None
    after_id: int = 0
    deleted_so_far: int = 0
    failed_so_far: int = 0


@dataclass(frozen=True)
class ExpiredRecordingsRequest:
    cutoff: datetime
    after_id: int
    limit: int


@dataclass(frozen=True)
class RecordingRef:
    """Ids only: nothing about the caller rides in workflow history."""

    row_id: int
    recording_sid: str
    created_at: datetime


@dataclass(frozen=True)
class ExpiredRecordings:
    recordings: list[RecordingRef]


@dataclass(frozen=True)
class DeleteRecordingRequest:
    recording_sid: str
    retention_days: int


@dataclass(frozen=True)
class DeleteRecordingResult:
    recording_sid: str
    row_deleted: bool


@dataclass(frozen=True)
class RetentionSummary:
    cutoff: datetime
    deleted: int
    failed: int
