"""Every recording is registered and deleted at the carrier when due (issue 10, defect 3), through
the real path: the simulator records the consented call and reports it (recording webhook ->
api -> workflow -> database), then the retention workflow deletes it at the simulator and in the
database. Real processes: Temporal dev server, worker, api, media server, simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cli.demo import demo_full
from settings import Settings
from stack.supervisor import free_port


@pytest.mark.timeout(420)
async def test_a_recorded_call_is_registered_then_deleted_at_the_carrier_when_due(tmp_path: Path) -> None:
    from db.models_privacy import Recording
    from domain.messages import RetentionInput
    from workflows.retention import RecordingRetentionWorkflow

    seen: dict[str, Any] = {}

    async def after(stack: Any, client: Any, db: Any, campaign_id: str) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            calls = (await http.get(f"{stack.sim_url}/sim/calls")).json()["calls"]
            at_carrier = {r["sid"] for c in calls for r in c["recordings"]}
            async with db.session() as session:
                rows = (await session.execute(select(Recording))).scalars().all()
                seen["registered"] = {(r.recording_sid, r.call_sid) for r in rows}
            seen["at_carrier"] = at_carrier
            seen["calls"] = {c["sid"] for c in calls}
            summary = await client.execute_workflow(
                RecordingRetentionWorkflow.run,
                RetentionInput(retention_days=90, cutoff=datetime.now(UTC) + timedelta(days=1)),
                id=f"retention-test-{campaign_id}",
                task_queue=stack.env["GYDE_TASK_QUEUE"],
            )
            seen["summary"] = summary
            calls = (await http.get(f"{stack.sim_url}/sim/calls")).json()["calls"]
            seen["deleted"] = {r["sid"] for c in calls for r in c["recordings"] if r["deleted"]}
            async with db.session() as session:
                seen["left"] = (await session.execute(select(Recording))).scalars().all()

    settings = Settings(
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        api_port=free_port(),
        media_port=free_port(),
        task_queue=f"e2e-rec-{free_port()}",
    )
    await demo_full(
        settings,
        clients=2,  # personas in order: agreeable (recorded, booked), declines (recorded)
        seed_value=3,
        brokers=1,
        quiet=True,
        keep=False,
        time_scale=0.05,
        workdir=tmp_path,
        brokers_always_available=True,
        sim_port=free_port(),
        max_concurrent_calls=2,
        after=after,
    )
    assert len(seen["at_carrier"]) == 2
    assert {sid for sid, _ in seen["registered"]} == seen["at_carrier"]
    assert {call for _, call in seen["registered"]} <= seen["calls"]
    assert seen["summary"].deleted == 2 and seen["summary"].failed == 0
    assert seen["deleted"] == seen["at_carrier"]
    assert seen["left"] == []
