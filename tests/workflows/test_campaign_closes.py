"""A campaign completes once every child has closed, however it closed (issue 10, defect 10):
a child that fails reports it, one terminated by an operator is seen by the campaign's watcher
(same run) or by its visibility reconcile (a child an earlier run started), and whatever dial
slot it held is given back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from adapters.crm.base import CrmRejected
from db.local.crm import LocalCrm
from db.session import Database
from domain.enums import CallResult
from domain.ids import campaign_workflow_id, outreach_workflow_id
from domain.messages import CampaignInput, CampaignSpec, CampaignSummary
from sim.scripted_phone import AskCallback, answered_call
from temporal_client import ensure_search_attributes
from tests.conftest import start_dev_env
from tests.workflows.harness import World, running_world
from tests.workflows.test_campaign import DECLINED, cid, spec
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow

SAFETY_NET = 90.0  # seconds: turns a hang into a failure; never an assertion about duration
PARKED = answered_call(AskCallback(timedelta(days=5)), result=CallResult.CALLBACK_REQUESTED)


async def start(world: World, campaign: CampaignSpec) -> WorkflowHandle[CampaignWorkflow, CampaignSummary]:
    return await world.client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(campaign),
        id=campaign_workflow_id(campaign.campaign_id),
        task_queue=world.task_queue,
    )


async def parked(world: World, client_id: str) -> None:
    """Until the client waits (durably) for its callback days away."""
    handle = world.client.get_workflow_handle_for(
        ClientOutreachWorkflow.run, outreach_workflow_id("camp-1", client_id)
    )
    for _ in range(600):
        try:
            status = await handle.query(ClientOutreachWorkflow.status)
            if status.stage.value == "waiting_callback":
                return
        except Exception:  # noqa: BLE001 - not started yet
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the client never parked on its callback")


class RejectingCrm(LocalCrm):
    """A CRM that refuses one client's record for good (a validation rule, say)."""

    def __init__(self, db: Database, refused: str) -> None:
        super().__init__(db)
        self.refused = refused

    async def write_outcome(self, key: str, client_id: str, *args: object) -> str:
        if client_id == self.refused:
            raise CrmRejected("FIELD_CUSTOM_VALIDATION_EXCEPTION")
        return await super().write_outcome(key, client_id, *args)  # type: ignore[arg-type]


async def test_a_child_that_fails_reports_it_and_gives_its_dial_slot_back(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(
        time_env.client, database, lambda _c, _a: DECLINED, clients=3, crm=RejectingCrm(database, cid(0))
    ) as world:
        # one dial slot: the failed client must give it back, or the others never dial
        summary = await asyncio.wait_for(start(world, spec(max_concurrent_calls=1)), SAFETY_NET)
        summary = await asyncio.wait_for(summary.result(), SAFETY_NET)
    assert summary.outcomes == {"declined": 2, "failed": 1}


@pytest_asyncio.fixture
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The dev server: unlike the time-skipping server it tells a parent that its child was
    terminated, and it has visibility (list by search attribute)."""
    env = await start_dev_env()
    try:
        await ensure_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


# Real time on the dev server: calls go to a (scripted) simulator at any hour.
SIMULATOR_HOURS: dict[str, object] = {
    "waive_state_calling_rules_for_simulator": True,
    "twilio_api_base": "http://127.0.0.1:9",
}


async def test_a_terminated_child_is_counted_failed_and_the_campaign_completes(
    dev_env: WorkflowEnvironment, database: Database
):
    scripts = {cid(0): PARKED}
    async with running_world(
        dev_env.client,
        database,
        lambda c, _a: scripts.get(c, DECLINED),
        clients=2,
        settings_overrides=SIMULATOR_HOURS,
    ) as world:
        handle = await start(world, spec(max_concurrent_calls=2))
        await parked(world, cid(0))
        await world.client.get_workflow_handle(outreach_workflow_id("camp-1", cid(0))).terminate("operator")
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert summary.outcomes == {"declined": 1, "failed": 1}


async def test_a_child_an_earlier_run_started_is_reconciled_from_visibility(
    dev_env: WorkflowEnvironment, database: Database
):
    """Page size 1: the parked client was started by the campaign's first run, which no longer
    watches it once the campaign continued as new."""
    scripts = {cid(0): PARKED}
    async with running_world(
        dev_env.client,
        database,
        lambda c, _a: scripts.get(c, DECLINED),
        clients=2,
        settings_overrides=SIMULATOR_HOURS,
    ) as world:
        handle = await start(world, spec(max_concurrent_calls=2, page_size=1, reconcile_seconds=1))
        await parked(world, cid(0))
        for _ in range(600):  # the campaign has moved on to its second run (page 2)
            if (await handle.describe()).run_id != handle.result_run_id:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the campaign never continued as new")
        await world.client.get_workflow_handle(outreach_workflow_id("camp-1", cid(0))).terminate("operator")
        summary = await asyncio.wait_for(handle.result(), SAFETY_NET)
    assert summary.outcomes == {"declined": 1, "failed": 1}
