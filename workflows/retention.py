"""Daily recording retention. A Temporal Schedule (ensure_retention_schedule) starts
RecordingRetentionWorkflow once a day; it pages through recordings older than the retention
period and deletes each one at the provider and in the database, one idempotent activity per
recording, continuing as new when the history grows long."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import RetentionSteps
    from domain.messages import (
        DeleteRecordingRequest,
        DeleteRecordingResult,
        ExpiredRecordingsRequest,
        RetentionInput,
        RetentionSummary,
    )

if TYPE_CHECKING:
    from temporalio.client import Client, Schedule, ScheduleHandle

RETENTION_SCHEDULE_ID = "recording-retention-daily"
RETENTION_WORKFLOW_ID = "recording-retention"
_DELETE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_attempts=5)


@workflow.defn
class RecordingRetentionWorkflow:
    @workflow.run
    async def run(self, request: RetentionInput) -> RetentionSummary:
        if request.retention_days < 1:
            raise ApplicationError("retention_days must be at least 1", non_retryable=True)
        cutoff = request.cutoff or workflow.now() - timedelta(days=request.retention_days)
        after_id, deleted, failed = request.after_id, request.deleted_so_far, request.failed_so_far
        while True:
            page = await workflow.execute_activity_method(
                RetentionSteps.find_expired_recordings,
                ExpiredRecordingsRequest(cutoff=cutoff, after_id=after_id, limit=request.batch_size),
                start_to_close_timeout=timedelta(minutes=1),
            )
            if not page.recordings:
                break
            results: list[Any] = await asyncio.gather(
                *(
                    workflow.execute_activity_method(
                        RetentionSteps.delete_expired_recording,
                        DeleteRecordingRequest(ref.recording_sid, request.retention_days),
                        start_to_close_timeout=timedelta(minutes=1),
                        retry_policy=_DELETE_RETRY,
                    )
                    for ref in page.recordings
                ),
                return_exceptions=True,
            )
            for result in results:
                if isinstance(result, DeleteRecordingResult):
                    deleted += 1
                elif isinstance(result, ActivityError):
                    failed += 1  # stays in the table; tomorrow's run tries again
                else:
                    raise result
            after_id = page.recordings[-1].row_id
            if workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(
                    RetentionInput(
                        request.retention_days, request.batch_size, cutoff, after_id, deleted, failed
                    )
                )
        workflow.logger.info("retention: %d recordings deleted, %d failed", deleted, failed)
        return RetentionSummary(cutoff=cutoff, deleted=deleted, failed=failed)


def retention_schedule(task_queue: str, retention_days: int, hour_utc: int = 3) -> Schedule:
    """Daily at `hour_utc`:00 UTC; a run still going when the next is due makes the next skip."""
    from temporalio.client import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleCalendarSpec,
        SchedulePolicy,
        ScheduleRange,
        ScheduleSpec,
    )

    return Schedule(
        action=ScheduleActionStartWorkflow(
            RecordingRetentionWorkflow.run,
            RetentionInput(retention_days=retention_days),
            id=RETENTION_WORKFLOW_ID,
            task_queue=task_queue,
            execution_timeout=timedelta(hours=6),
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(hour_utc)], comment="daily retention")]
        ),
        policy=SchedulePolicy(catchup_window=timedelta(days=1)),
    )


async def ensure_retention_schedule(
    client: Client, *, task_queue: str, retention_days: int = 90, hour_utc: int = 3
) -> ScheduleHandle:
    """Create the daily schedule, or bring an existing one up to date (idempotent; call from the
    worker's start-up or `gyde dev`)."""
    from temporalio.client import ScheduleAlreadyRunningError, ScheduleUpdate, ScheduleUpdateInput

    schedule = retention_schedule(task_queue, retention_days, hour_utc)
    try:
        return await client.create_schedule(RETENTION_SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(RETENTION_SCHEDULE_ID)

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(replace)
        return handle
