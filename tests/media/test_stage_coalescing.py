"""The bridge's stage signals are coalesced: the first of a call at once, then at most one per
interval with the latest stage, and the stage the call ended in always in `call_ended`. The
Temporal client here is a recording stand-in (the real workflow round trip is in
test_workflow_bridge.py); it can be slow or fail, as a real signal RPC can."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain.enums import CallResult, Stage
from domain.messages import CallEnded, StageChange
from media_server.workflow_bridge import WorkflowBridge

INTERVAL = timedelta(milliseconds=200)


@dataclass
class RecordingHandle:
    sent: list[object] = field(default_factory=list)
    gate: asyncio.Event | None = None  # when set, a stage signal waits for it (a slow RPC)
    fail_stages: bool = False

    async def signal(self, _method: Any, arg: object, rpc_timeout: timedelta | None = None) -> None:
        if isinstance(arg, StageChange):
            if self.gate is not None:
                await self.gate.wait()
            if self.fail_stages:
                raise RuntimeError("unavailable")
        self.sent.append(arg)


@dataclass
class RecordingClient:
    handle: RecordingHandle

    def get_workflow_handle_for(self, _run: Any, _workflow_id: str) -> RecordingHandle:
        return self.handle


def _bridge(handle: RecordingHandle) -> WorkflowBridge:
    return WorkflowBridge(RecordingClient(handle), "wf-1", "CA1", stage_interval=INTERVAL)  # type: ignore[arg-type]


def _stages(handle: RecordingHandle) -> list[Stage]:
    return [m.stage for m in handle.sent if isinstance(m, StageChange)]


def _ended(handle: RecordingHandle) -> CallEnded:
    (ended,) = [m for m in handle.sent if isinstance(m, CallEnded)]
    return ended


async def test_the_first_stage_goes_at_once_and_quick_changes_fold_into_one():
    handle = RecordingHandle()
    bridge = _bridge(handle)
    await bridge.stage_changed(Stage.INTRO)
    await asyncio.sleep(0.02)
    assert _stages(handle) == [Stage.INTRO]
    for stage in (Stage.VERIFY, Stage.PRESENT, Stage.QUALIFY):
        await bridge.stage_changed(stage)
    await asyncio.sleep(0.02)
    assert _stages(handle) == [Stage.INTRO]  # within the interval: nothing yet
    await asyncio.sleep(INTERVAL.total_seconds() * 1.5)
    assert _stages(handle) == [Stage.INTRO, Stage.QUALIFY]  # the latest, once


async def test_the_stage_the_call_ended_in_travels_in_the_end_report():
    handle = RecordingHandle()
    bridge = _bridge(handle)
    await bridge.stage_changed(Stage.INTRO)
    await asyncio.sleep(0.02)
    await bridge.stage_changed(Stage.SCHEDULE)
    await bridge.stage_changed(Stage.CONFIRM)
    await bridge.end_call(CallResult.SCHEDULED, "booked")
    await asyncio.sleep(INTERVAL.total_seconds() * 1.5)  # nothing goes after the end report
    assert _stages(handle) == [Stage.INTRO]
    assert _ended(handle).last_stage is Stage.CONFIRM
    assert handle.sent[-1] == _ended(handle)


async def test_a_stage_signal_in_flight_lands_before_the_end_report():
    handle = RecordingHandle(gate=asyncio.Event())
    bridge = _bridge(handle)
    await bridge.stage_changed(Stage.INTRO)
    await asyncio.sleep(0.02)  # the signal is in flight, held by the gate
    ending = asyncio.create_task(bridge.end_call(CallResult.DECLINED, "no thanks"))
    await asyncio.sleep(0.02)
    assert handle.sent == []  # the end report waits for the stage signal in flight
    handle.gate.set()
    await ending
    assert [type(m) for m in handle.sent] == [StageChange, CallEnded]
    assert _ended(handle).last_stage is Stage.INTRO


async def test_a_failing_stage_signal_does_not_stop_the_end_report():
    handle = RecordingHandle(fail_stages=True)
    bridge = _bridge(handle)
    await bridge.stage_changed(Stage.INTRO)
    await bridge.stage_changed(Stage.VERIFY)
    await bridge.end_call(CallResult.VERIFICATION_FAILED, "could not verify")
    assert _stages(handle) == [] and bridge.stage_signals == 0
    assert _ended(handle).last_stage is Stage.VERIFY


async def test_a_call_ending_before_any_stage_reports_none():
    handle = RecordingHandle()
    bridge = _bridge(handle)
    await bridge.end_call(CallResult.DROPPED, "")
    assert _ended(handle).last_stage is None and _stages(handle) == []
