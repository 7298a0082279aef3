"""What a client's workflow does after its last call, before it reports its outcome: the
confirmation email, the DNC entry, closing the callbacks it no longer stands behind, the CRM
outcome; and the grace after which the call's dial
slot goes back to the campaign while those still run (a CRM outage must not hold a slot of
`max_concurrent_calls`, which caps live calls). Workflow code: deterministic, no I/O."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.enums import Outcome
    from workflows import outreach_effects as fx
    from workflows.outreach_patches import CLOSE_STRAY_CALLBACKS, DNC_FOR_LATE_OPT_OUT
    from workflows.outreach_state import OutreachState
    from workflows.outreach_steps import Finish

# How long the last call's slot waits for the follow-ups before it goes back on its own.
FOLLOW_UP_GRACE = timedelta(seconds=10)


async def follow_ups(
    s: OutreachState,
    finish: Finish,
    appointment_id: str | None,
    add_to_dnc: Callable[[], Awaitable[None]],
    note: Callable[[str], None],
) -> None:
    task, outcome = s.task, finish.outcome
    if appointment_id is not None:
        await fx.send_confirmation_email(task, appointment_id)
    # An opt-out after the call stopped being live, beside a booking that makes it "scheduled".
    late_opt_out = (
        outcome is not Outcome.OPTED_OUT
        and s.opted_out
        and not s.dnc_added
        and workflow.patched(DNC_FOR_LATE_OPT_OUT)
    )
    if late_opt_out:
        note("opt-out after the call: the booking stands, the number goes on the DNC list")
    if (outcome is Outcome.OPTED_OUT or late_opt_out) and not s.dnc_added:
        await add_to_dnc()
    if (s.callback_seq > 0 or s.opted_out) and workflow.patched(CLOSE_STRAY_CALLBACKS):
        await close_callbacks(s, outcome)
    if outcome not in (Outcome.DNC_BLOCKED, Outcome.INELIGIBLE):
        await fx.write_crm_outcome(task, outcome, finish.note, s.attempt, appointment_id)
    # Registrations, ledger writes and stray hang-ups started by signals finish first.
    await workflow.wait_condition(workflow.all_handlers_finished)


async def close_callbacks(s: OutreachState, outcome: Outcome) -> None:
    """Only the callback the outcome stands on stays open: the broker's (its own workflow owns
    it) unless the client opted out, which cancels that workflow too."""
    opted_out = outcome is Outcome.OPTED_OUT or s.opted_out
    keep: list[str] = []
    if not opted_out:
        if s.broker_callback_id is not None:
            keep.append(s.broker_callback_id)
        if outcome is Outcome.CALLBACK_SCHEDULED and s.callback is not None:
            keep.append(s.callback.callback_id)
    await fx.close_stray_callbacks(s.task, sorted(set(keep)), "cancelled" if opted_out else "closed")
    if opted_out and s.broker_callback_workflow_id is not None:
        await fx.cancel_broker_callback(s.broker_callback_workflow_id)


async def slot_back_if_slow(
    work: Coroutine[Any, Any, None], release: Callable[[], Awaitable[None]], note: Callable[[str], None]
) -> None:
    """Run the follow-ups with the call's slot still held: usually done within the grace, and the
    slot goes back with the finish report; if not, it goes back now, so the campaign dials on."""
    running = asyncio.ensure_future(work)
    try:
        try:
            await workflow.wait_condition(running.done, timeout=FOLLOW_UP_GRACE)
        except TimeoutError:
            note("follow-ups still running: the dial slot goes back now")
            await release()
        await running
    finally:
        if not running.done():
            running.cancel()
