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
from tests.workflows.record_histories import HISTORIES, SCENARIOS, WORKFLOW_ID
from workflows.broker_callback import BrokerCallbackWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow

RECORDED = sorted(HISTORIES.glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(WORKFLOW_ID, path.read_text())


def test_every_scenario_has_a_recorded_history():
    assert {p.stem for p in RECORDED} == {s.name for s in SCENARIOS}


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
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
