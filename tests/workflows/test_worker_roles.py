"""`gyde worker --only workflows|activities` (worker.build_workers): the two sides of the worker in
processes of their own, so each scales on its own. Run apart, a client's lifecycle still ends as
it does in one process: the workflow side runs workflow tasks and its local activities and polls
no activity task; every regular activity (the dial among them) is taken by the activity side."""

from __future__ import annotations

import json

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from cli.worker_cmd import ROLES
from db.models import Appointment
from db.session import Database
from domain.enums import CallResult, Outcome, Stage
from domain.ids import outreach_workflow_id
from settings import Settings
from sim.scripted_phone import Book, EnterStage, answered_call
from tests.workflows.harness import running_world
from tests.workflows.test_outreach import count, run, task_for
from worker import WORKER_ROLES, build_adapters, build_workers

BOOKED = answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)


async def test_a_lifecycle_runs_with_workflows_and_activities_in_separate_workers(
    time_env: WorkflowEnvironment, database: Database
):
    async with running_world(
        time_env.client, database, lambda _c, _a: BOOKED, roles=("workflows", "activities")
    ) as world:
        result = await run(world, task_for(world))
        history = await world.client.get_workflow_handle(
            outreach_workflow_id("camp-1", world.client_ids[0])
        ).fetch_history()
    assert result.outcome is Outcome.SCHEDULED
    assert await count(database, Appointment) == 1
    activity_takers = {
        e.activity_task_started_event_attributes.identity
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    }
    workflow_takers = {
        e.workflow_task_started_event_attributes.identity
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
    }
    assert activity_takers and all(i.endswith(":activities") for i in activity_takers), activity_takers
    assert workflow_takers and all(i.endswith(":workflows") for i in workflow_takers), workflow_takers
    local = [
        json.loads(e.marker_recorded_event_attributes.details["data"].payloads[0].data)["activity_type"]
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]
    assert "record_attempt_result" in local  # local activities ran on the workflow side


async def test_an_unknown_role_is_refused(time_env: WorkflowEnvironment, database: Database):
    with pytest.raises(ValueError, match="unknown worker role"):
        build_workers(time_env.client, Settings(), build_adapters(Settings(), database), only="both")


def test_the_cli_offers_the_roles_the_worker_knows():
    assert tuple(ROLES) == WORKER_ROLES
