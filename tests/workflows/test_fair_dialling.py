"""Fair dialling across brokers: every client workflow a campaign starts carries its broker as
the Temporal fairness key, so the server shares task-queue dispatch between brokers (its
activities inherit it); a callback the client asked for is marked on its permit request."""

from __future__ import annotations

from collections import deque

from sqlalchemy import select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.testing import WorkflowEnvironment

from db.models import Client as ClientRow
from db.session import Database
from domain.ids import outreach_workflow_id
from domain.messages import DialPermitRequest
from tests.conftest import start_dev_env
from tests.workflows.harness import running_world
from tests.workflows.test_campaign import CAMPAIGN, DECLINED, cid, scripts, spec, start
from tests.workflows.test_campaign_closes import SIMULATOR_HOURS
from workflows.campaign_rules import enqueue
from workflows.search_attributes import ALL_KEYS


async def test_client_workflows_carry_their_broker_as_fairness_key(sqlite_db: Database) -> None:
    # The dev server keeps a workflow's priority (the time-skipping test server drops it).
    env = await start_dev_env(
        search_attributes=list(ALL_KEYS),
        dev_server_extra_args=["--dynamic-config-value", "matching.enableFairness=true"],
    )
    try:
        await check_fairness_keys(env, sqlite_db)
    finally:
        await env.shutdown()


async def check_fairness_keys(time_env: WorkflowEnvironment, sqlite_db: Database) -> None:
    # Real time on the dev server: without the simulator's waiver, a client whose state's calling
    # hours are closed at the wall-clock hour the test runs is deferred for hours (this test failed
    # at 02:20 UTC, 21:20 in New York), and the campaign never completes.
    async with running_world(
        time_env.client, sqlite_db, scripts({}, DECLINED), clients=2, settings_overrides=SIMULATOR_HOURS
    ) as world:
        handle = await start(world, spec())
        await handle.result()
        async with sqlite_db.session() as session:
            brokers = dict((await session.execute(select(ClientRow.id, ClientRow.broker_id))).all())
        for index in range(2):
            described = await time_env.client.workflow_service.describe_workflow_execution(
                DescribeWorkflowExecutionRequest(
                    namespace=time_env.client.namespace,
                    execution=WorkflowExecution(workflow_id=outreach_workflow_id(CAMPAIGN, cid(index))),
                )
            )
            priority = described.workflow_execution_info.priority
            assert priority.fairness_key == brokers[cid(index)]


def test_a_permit_request_defaults_to_an_ordinary_dial() -> None:
    assert DialPermitRequest("c1", 3) == DialPermitRequest("c1", 3, callback=False)
    assert DialPermitRequest("c1", 3, True).callback


def test_a_callback_request_is_served_before_waiting_first_tries() -> None:
    queue: deque[str] = deque()
    for client_id in ("a", "b"):
        enqueue(queue, client_id, first=False)
    enqueue(queue, "called-back", first=True)
    enqueue(queue, "c", first=False)
    assert list(queue) == ["called-back", "a", "b", "c"]


def test_the_dial_a_client_asked_for_is_flagged_as_a_callback() -> None:
    from datetime import UTC, datetime

    from domain.enums import CallbackOwner, ClientStage
    from domain.messages import CallbackConfirmation, ClientTask
    from workflows.outreach_state import OutreachState
    from workflows.outreach_steps import _call_back_later

    state = OutreachState(task=ClientTask(campaign_id="camp-1", client_id="c1", broker_id="b1"))
    assert not state.callback_due  # first tries and retries are ordinary dials
    at = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    state.callback = CallbackConfirmation("cb-1", at, CallbackOwner.AI)
    _call_back_later(state, "client asked to be called back", at)
    assert state.callback_due and state.stage is ClientStage.WAITING_CALLBACK
