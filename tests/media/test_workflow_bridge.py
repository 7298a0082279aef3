"""The bridge against the real ClientOutreachWorkflow on the time-skipping test server, with real
activities (tests/workflows/harness.py); the scripted phone only rings, answers and consents, and
the bridge plays the media server's part."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from db.models import Appointment, Broker
from db.session import Database
from domain.call_control import BookingRejected
from domain.enums import CallbackOwner, CallResult, CallStatus, ClientStage, Outcome, ProductType, Stage
from domain.ids import outreach_workflow_id
from domain.messages import CallingWindow, ClientTask, OutreachResult
from media_server.agent import CallContext
from media_server.workflow_bridge import BridgeFactory, WorkflowBridge
from sim.scripted_phone import Consent, Status
from tests.media.helpers import eventually
from tests.workflows.harness import World, first_free_slot_finder, running_world
from workflows.outreach import ClientOutreachWorkflow
from workflows.search_attributes import ALL_KEYS

ANSWER = [Status(CallStatus.RINGING), Status(CallStatus.ANSWERED), Consent(True)]


async def _register_search_attributes(client: Client) -> None:
    """The workflow upserts these; registering an existing one is fine (another fixture may have)."""
    for key in ALL_KEYS:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=client.namespace,
                    search_attributes={key.name: IndexedValueType.ValueType(int(key.indexed_value_type))},
                )
            )
        except RPCError as exc:
            if "already" not in str(exc).lower():
                raise


async def _live_call(world: World) -> tuple[WorkflowHandle[ClientOutreachWorkflow, OutreachResult], str]:
    await _register_search_attributes(world.client)
    async with world.db.session() as session:  # whole-day hours as 0-23 (hour 24 is not a datetime hour)
        broker = (await session.execute(select(Broker))).scalar_one()
        broker.work_start_hour, broker.work_end_hour = 0, 23
        await session.commit()
    task = ClientTask(
        campaign_id="camp-1",
        client_id=world.client_ids[0],
        broker_id=world.broker_ids[0],
        window=CallingWindow(start_hour=0, end_hour=24),
    )
    handle = await world.client.start_workflow(
        ClientOutreachWorkflow.run,
        task,
        id=outreach_workflow_id(task.campaign_id, task.client_id),
        task_queue=world.task_queue,
    )
    async with asyncio.timeout(30):
        while True:
            status = await handle.query(ClientOutreachWorkflow.status)
            if status.stage in (ClientStage.CONSENT, ClientStage.IN_CONVERSATION) and status.call_sid:
                return handle, status.call_sid
            await asyncio.sleep(0.05)


def _script(_client: str, attempt: int) -> list[Status | Consent]:
    return ANSWER if attempt == 1 else [Status(CallStatus.RINGING), Status(CallStatus.NO_ANSWER)]


async def test_stage_booking_and_end_reach_the_workflow(time_env: WorkflowEnvironment, sqlite_db: Database):
    async with running_world(time_env.client, sqlite_db, _script) as world:
        handle, call_sid = await _live_call(world)
        bridge = BridgeFactory(time_env.client, prompt_version="emma-v1")(
            CallContext(handle.id, call_sid, "MZ1")
        )
        assert isinstance(bridge, WorkflowBridge)
        await bridge.stage_changed(Stage.VERIFY)  # the call's first stage: signalled at once

        async def conversation_began() -> bool:
            status = await handle.query(ClientOutreachWorkflow.status)
            return status.stage is ClientStage.IN_CONVERSATION and status.conversation_stage is Stage.VERIFY

        await eventually(conversation_began, seconds=10)
        await bridge.stage_changed(Stage.SCHEDULE)  # within the interval: it waits (here, for the end)
        now = (await handle.query(ClientOutreachWorkflow.status)).as_of
        assert now is not None
        slot = await (await first_free_slot_finder(sqlite_db))(world.client_ids[0], now)
        assert slot is not None
        confirmation = await bridge.book_appointment(slot, ProductType.DENTAL)
        assert confirmation.slot_start == slot and confirmation.appointment_id
        with pytest.raises(BookingRejected, match="already has an appointment"):
            await bridge.book_appointment(slot + timedelta(hours=1), ProductType.DENTAL)
        await bridge.end_call(CallResult.SCHEDULED, "booked; call back on 555-123-4567")
        assert bridge.stage_signals == 1  # SCHEDULE travelled in the end report
        await handle.signal(ClientOutreachWorkflow.call_status, _completed(call_sid))
        result = await handle.result()
        assert (await handle.query(ClientOutreachWorkflow.status)).conversation_stage is Stage.SCHEDULE
    assert result.outcome is Outcome.SCHEDULED and result.appointment_id == confirmation.appointment_id
    async with sqlite_db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Appointment))).scalar_one() == 1


async def test_opt_out_is_signalled_at_once(time_env: WorkflowEnvironment, sqlite_db: Database):
    async with running_world(time_env.client, sqlite_db, _script) as world:
        handle, call_sid = await _live_call(world)
        bridge = WorkflowBridge(time_env.client, handle.id, call_sid)
        await bridge.opt_out()
        with pytest.raises(BookingRejected, match="opted out"):
            await bridge.request_callback(
                (await handle.query(ClientOutreachWorkflow.status)).as_of + timedelta(days=1),  # type: ignore[operator]
                CallbackOwner.AI,
            )
        await bridge.end_call(CallResult.OPTED_OUT, "caller asked to stop")
        await handle.signal(ClientOutreachWorkflow.call_status, _completed(call_sid))
        result = await handle.result()
    assert result.outcome is Outcome.OPTED_OUT


async def test_dropped_call_and_transfer(time_env: WorkflowEnvironment, sqlite_db: Database):
    async with running_world(time_env.client, sqlite_db, _script) as world:
        handle, call_sid = await _live_call(world)
        bridge = WorkflowBridge(time_env.client, handle.id, call_sid)
        transferring = await bridge.transfer_to_broker()
        assert bridge.last_transfer is not None and transferring is bridge.last_transfer.transferring
        other = WorkflowBridge(time_env.client, handle.id, "CAnot-this-call")
        assert await other.transfer_to_broker() is False  # the validator refuses unknown calls
        await bridge.end_call(CallResult.DROPPED, "")

        async def dropped() -> bool:
            return (
                await handle.query(ClientOutreachWorkflow.status)
            ).last_event == "conversation ended: dropped"

        await eventually(dropped, seconds=10)
        await handle.terminate("test over")


def _completed(call_sid: str):  # type: ignore[no-untyped-def]
    from domain.messages import CallStatusEvent

    return CallStatusEvent(call_sid, CallStatus.COMPLETED, sequence=99)


async def test_the_slots_the_agent_offers_are_the_slots_the_workflow_accepts(
    time_env: WorkflowEnvironment, sqlite_db: Database
):
    """issue 10, defect 9: the bridge's free_slots is the workflow's own list (its query), so a
    slot the agent offers is one book_appointment validates, whatever the calendar source."""
    async with running_world(time_env.client, sqlite_db, _script) as world:
        handle, call_sid = await _live_call(world)
        bridge = WorkflowBridge(time_env.client, handle.id, call_sid)
        now = (await handle.query(ClientOutreachWorkflow.status)).as_of
        assert now is not None
        offered = await bridge.free_slots(now, now + timedelta(days=3))
        everything = (await handle.query(ClientOutreachWorkflow.free_slots)).slots
        assert offered and set(offered) <= set(everything)
        assert all(now <= slot < now + timedelta(days=3) for slot in offered)
        assert len(everything) > len(offered)  # the range was applied
        confirmation = await bridge.book_appointment(offered[-1], ProductType.VISION)
        assert confirmation.slot_start == offered[-1]
        await bridge.end_call(CallResult.SCHEDULED, "booked")
        await handle.signal(ClientOutreachWorkflow.call_status, _completed(call_sid))
        result = await handle.result()
    assert result.outcome is Outcome.SCHEDULED
