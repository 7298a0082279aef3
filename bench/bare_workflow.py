"""The yardstick of `gyde bench campaign`: a workflow that runs `activities` no-op activities one
after another, so the same Temporal server's throughput for the same number of activities per
client can be compared with the real lifecycle."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench_noop")
async def noop(step: int) -> int:
    return step


@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    @workflow.run
    async def run(self, activities: int) -> int:
        for step in range(activities):
            await workflow.execute_activity(noop, step, start_to_close_timeout=timedelta(seconds=30))
        return activities
