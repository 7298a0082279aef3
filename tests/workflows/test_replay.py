"""Recorded ClientOutreachWorkflow histories (tests/workflows/histories, written by
`python -m tests.workflows.record_histories`) must replay against today's workflow code without
non-determinism: a change that would break running workflows fails here first."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.messages import ClientTask
from security.keyring import KeyRing
from security.payload_codec import data_converter
from tests.workflows.record_histories import CURRENT, GENERATIONS, HISTORIES, LEAN, SCENARIOS, WORKFLOW_ID
from workflows.broker_callback import BrokerCallbackWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow

# The scenarios recorded before close-stray-callbacks (every older generation has them all).
BEFORE_CALLBACK_CLOSING = (
    "scheduled",
    "no_answer_retries",
    "opt_out",
    "ai_callback_then_booked",
    "broker_callback",
    "gate_deferred_retries",
)
RECORDED = [path for generation in GENERATIONS for path in sorted(generation.glob("*.json"))]


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(WORKFLOW_ID, path.read_text())


def test_every_scenario_has_a_recorded_history_in_the_current_generation():
    assert {p.stem for p in CURRENT.glob("*.json")} == {s.name for s in SCENARIOS}


@pytest.mark.parametrize("generation", GENERATIONS[:-1], ids=[g.name for g in GENERATIONS[:-1]])
def test_older_generations_keep_what_they_recorded(generation: Path):
    """A scenario added later is recorded from its generation on; none is ever dropped."""
    assert (
        set(BEFORE_CALLBACK_CLOSING)
        <= {p.stem for p in generation.glob("*.json")}
        <= {s.name for s in SCENARIOS}
    )


def _patch_ids(history: WorkflowHistory) -> set[str]:
    """The patch ids a history's markers record (the marker's `patch-data`: {"id": ...})."""
    import json

    from temporalio.api.enums.v1 import EventType

    ids = set()
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_MARKER_RECORDED:
            continue
        attributes = event.marker_recorded_event_attributes
        if attributes.marker_name == "core_patch":
            ids.add(json.loads(attributes.details["patch-data"].payloads[0].data)["id"])
    return ids


def test_each_generation_holds_the_patches_it_is_named_for():
    """So the replay test really covers each: runs from before a change and runs after it."""
    from workflows.outreach_patches import CLOSE_STRAY_CALLBACKS, LEAN_LIFECYCLE

    assert all(
        LEAN_LIFECYCLE in _patch_ids(load(p)) for g in (LEAN, CURRENT) for p in sorted(g.glob("*.json"))
    )
    assert not any(LEAN_LIFECYCLE in _patch_ids(load(p)) for p in sorted(HISTORIES.glob("*.json")))
    assert CLOSE_STRAY_CALLBACKS in _patch_ids(load(CURRENT / "callback_then_opt_out.json"))
    older = [p for g in GENERATIONS[:-1] for p in sorted(g.glob("*.json"))]
    assert not any(CLOSE_STRAY_CALLBACKS in _patch_ids(load(p)) for p in older)


def test_the_campaign_scenario_is_a_campaigns_child():
    """Its history carries the parent (dial permits and the finish report travel through it)."""
    history = load(CURRENT / "campaign_retry_then_booked.json")
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.parent_workflow_execution.workflow_id.startswith("campaign:")


@pytest.mark.parametrize("path", RECORDED, ids=[f"{p.parent.name}/{p.stem}" for p in RECORDED])
async def test_recorded_history_replays_without_nondeterminism(path: Path):
    history = load(path)
    assert len(history.events) > 10
    replayer = Replayer(
        workflows=[ClientOutreachWorkflow, BrokerCallbackWorkflow, CampaignWorkflow],
        data_converter=data_converter(KeyRing.development()),
    )
    result = await replayer.replay_workflow(history)  # raises on non-determinism
    assert result.replay_failure is None


@workflow.defn(name="ClientOutreachWorkflow", sandboxed=False)
class ReorderedOutreach:
    """A 'harmless refactor' that sleeps before screening: replay must reject it."""

    @workflow.run
    async def run(self, task: ClientTask) -> None:
        await workflow.sleep(1)


async def test_replay_catches_a_changed_workflow():
    replayer = Replayer(workflows=[ReorderedOutreach], data_converter=data_converter(KeyRing.development()))
    with pytest.raises(workflow.NondeterminismError):
        await replayer.replay_workflow(load(HISTORIES / "scheduled.json"))
