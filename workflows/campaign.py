"""A campaign: pages through its clients, starts one outreach workflow each, and acts as their
dial scheduler — every dial (first try, retry or callback) needs a permit, so live calls never
exceed `max_concurrent_calls` and dials are paced at `dials_per_minute`. Continues-as-new between
pages so a 100,000-client campaign keeps a small history."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import Priority, RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import (
    ChildWorkflowError,
    FailureError,
    WorkflowAlreadyStartedError,
)
from temporalio.workflow import ChildWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from activities.contracts import CampaignSteps
    from domain.enums import Outcome
    from domain.ids import outreach_workflow_id
    from domain.messages import (
        CampaignCarry,
        CampaignInput,
        CampaignLimits,
        CampaignProgress,
        CampaignSpec,
        CampaignStartRequest,
        CampaignSummary,
        ClientFinished,
        ClientPageRequest,
        ClientRef,
        ClientTask,
        DialPermit,
        DialPermitRelease,
        DialPermitRequest,
        OutreachResult,
        UnreportedClosesRequest,
    )
    from domain.usage import CampaignCostRequest
    from workflows import outreach as outreach_wf
    from workflows import search_attributes as sa
    from workflows.campaign_rules import enqueue, validate_spec

SHORT = timedelta(seconds=30)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
CALLBACKS_FIRST = "callbacks-first"  # workflow.patched id: callback permits jump the queue
START_IN_BATCHES = "start-in-batches"  # workflow.patched id: children started together
GRANT_IN_BATCHES = "grant-in-batches"  # workflow.patched id: a second's worth of permits at once


@workflow.defn
class CampaignWorkflow:
    @workflow.init
    def __init__(self, inp: CampaignInput) -> None:
        carry = inp.carry
        self._spec = inp.spec
        self._carry = carry
        self._outcomes: dict[str, int] = dict(carry.outcomes)
        self._paused = carry.paused
        self._cancelled = carry.cancelled
        self._queue: deque[str] = deque(carry.queue)
        self._seqs: dict[str, int] = dict(carry.queue_seqs)
        self._in_call: set[str] = set(carry.in_call)
        self._finished: set[str] = set()
        self._closed_unreported: set[str] = set(carry.closed_unreported)
        self._recent: deque[str] = deque(carry.recent_calls, maxlen=max(1, inp.spec.breakers.window_calls))
        self._paused_because = carry.paused_because
        self._stopped_sent: set[str] = set()
        # The permit granter is stopped at a safe point before completion or continue-as-new:
        # never between popping a client and signalling it, never with a command after the CAN,
        # and never by cancelling its pacing timer (which may be firing at that very moment).
        self._draining = False
        self._page: list[ClientRef] = []
        self._watchers: set[asyncio.Task[None]] = set()
        self._cost_line = ""  # "cost $… over N calls · per call …" (campaign_cost activity)
        self._costed_at = -1  # finished count when the cost was last read

    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignSummary:
        spec = inp.spec
        validate_spec(spec)
        if self._carry.page_number == 0 and not self._carry.exhausted:
            await workflow.execute_activity_method(
                CampaignSteps.start_campaign,
                CampaignStartRequest(spec.campaign_id),
                start_to_close_timeout=SHORT,
                retry_policy=RETRY,
            )
        granter = asyncio.create_task(self._grant_permits())
        try:
            if not self._carry.exhausted:
                await self._start_page()
                if self._carry.cursor is not None and not self._cancelled:
                    return await self._continue(granter)
                self._carry.exhausted = True
            while self._finished_count() < self._carry.started:
                self._show("all clients started; waiting for outreach to finish")
                await self._wait_reconciling(
                    lambda: (
                        self._finished_count() >= self._carry.started
                        or workflow.info().is_continue_as_new_suggested()
                    )
                )
                if (
                    workflow.info().is_continue_as_new_suggested()
                    and self._finished_count() < self._carry.started
                ):
                    return await self._continue(granter)
            await self._stop_granter(granter)
        finally:
            if not granter.done():  # only on failure paths: a normal exit stopped it above
                granter.cancel()
        await workflow.execute_activity_method(
            CampaignSteps.finish_campaign,
            CampaignStartRequest(spec.campaign_id),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )
        await self._refresh_cost()
        self._show("complete")
        return CampaignSummary(spec.campaign_id, self._carry.started, dict(self._outcomes), self._cancelled)

    # --- signals: operators -------------------------------------------------------------------

    @workflow.signal
    def pause(self) -> None:
        """A signal: the operator needs no answer; paused means no new permits, live calls go on."""
        self._paused = True
        self._show("paused by operator")

    @workflow.signal
    def resume(self) -> None:
        """Also clears a circuit breaker: its window starts again from the next call."""
        self._paused = False
        self._paused_because = ""
        self._recent.clear()
        self._show("resumed")

    @workflow.update
    def throttle(self, limits: CampaignLimits) -> CampaignProgress:
        """Change the pace live (an update: the operator learns at once what now applies)."""
        self._spec = replace(
            self._spec,
            max_concurrent_calls=limits.max_concurrent_calls or self._spec.max_concurrent_calls,
            dials_per_minute=limits.dials_per_minute or self._spec.dials_per_minute,
        )
        self._show(
            f"throttled: {self._spec.max_concurrent_calls} live calls, {self._spec.dials_per_minute:g} dials/min"
        )
        return self.progress()

    @throttle.validator
    def _validate_throttle(self, limits: CampaignLimits) -> None:
        if limits.max_concurrent_calls is not None and limits.max_concurrent_calls < 1:
            raise ValueError("max_concurrent_calls must be at least 1")
        if limits.dials_per_minute is not None and limits.dials_per_minute <= 0:
            raise ValueError("dials_per_minute must be positive")
        if limits.max_concurrent_calls is None and limits.dials_per_minute is None:
            raise ValueError("nothing to change: give max_concurrent_calls or dials_per_minute")

    @workflow.signal
    def cancel(self) -> None:
        """Stop new dials; calls already live finish normally."""
        self._cancelled = True
        self._show("cancelled: no new dials; live calls finishing")

    # --- signals: client workflows ----------------------------------------------------------

    # The dial-permit contract is described in workflows/dial_permits.py.

    @workflow.signal
    def request_dial(self, request: DialPermitRequest) -> None:
        """A signal, not an update: the answer (a permit) may come hours later, sent back to the
        client's workflow as a signal of its own; `seq` lets a stale request be told apart."""
        self._seqs[request.client_id] = request.seq
        if request.client_id not in self._queue and request.client_id not in self._in_call:
            # A callback the client asked for goes first; patched, so campaigns that were
            # running before this rule replay their queue order unchanged (docs/deploy.md).
            first = request.callback and workflow.patched(CALLBACKS_FIRST)
            enqueue(self._queue, request.client_id, first=first)

    @workflow.signal
    def release_dial(self, release: DialPermitRelease) -> None:
        """The call ended, or the request was withdrawn: free the slot and the queue place."""
        if release.seq and self._seqs.get(release.client_id, release.seq) != release.seq:
            return  # a release for an older request; the newer one stands
        self._free(release.client_id)
        if release.call_result:
            self._note_call_result(release.call_result)

    def _note_call_result(self, call_result: str) -> None:
        self._recent.append(call_result)
        self._check_breakers()

    def _check_breakers(self) -> None:
        """Pause when too many of the last calls opted out, failed or reached a machine."""
        breakers = self._spec.breakers
        calls = len(self._recent)
        if not breakers.enabled or self._paused or calls < breakers.min_calls:
            return
        for label, results, limit in (
            ("opt-out", ("opted_out",), breakers.max_opt_out_rate),
            ("error", ("failed", "dropped"), breakers.max_error_rate),
            ("voicemail", ("voicemail",), breakers.max_voicemail_rate),
        ):
            rate = sum(1 for r in self._recent if r in results) / calls
            if rate > limit:
                self._paused = True
                self._paused_because = f"{label} rate {rate:.0%} over the last {calls} calls (limit {limit:.0%}); resume to continue"
                self._show(f"paused by circuit breaker: {self._paused_because}")
                return

    @workflow.signal
    def client_finished(self, event: ClientFinished) -> None:
        """A signal: the child reports its outcome once (the child's completion is the backstop).
        It frees what the client held; a report that carries the last call's result stands for
        that call's release too."""
        held = event.client_id in self._in_call
        self._count_finished(event.client_id, event.outcome.value)
        if held and event.call_result:
            self._note_call_result(event.call_result)

    def _free(self, client_id: str) -> None:
        self._in_call.discard(client_id)
        if client_id in self._queue:
            self._queue.remove(client_id)

    def _count_finished(self, client_id: str, outcome: str) -> None:
        self._free(client_id)
        self._seqs.pop(client_id, None)
        if client_id in self._finished or client_id in self._closed_unreported:
            return
        self._finished.add(client_id)
        self._carry.finished += 1
        self._outcomes[outcome] = self._outcomes.get(outcome, 0) + 1

    def _count_closed_unreported(self, client_id: str) -> None:
        """A client whose workflow closed (failed, terminated, timed out) without reporting an
        outcome: it counts as `failed` and gives back whatever it held."""
        if client_id in self._finished or client_id in self._closed_unreported:
            return
        self._count_finished(client_id, Outcome.FAILED.value)
        self._finished.discard(client_id)
        self._closed_unreported.add(client_id)

    @workflow.query
    def progress(self) -> CampaignProgress:
        """A query: read-only, answered from memory, never written to history."""
        live = len(self._in_call)
        waiting = len(self._queue)
        done = self._finished_count()
        elsewhere = max(0, self._carry.started - done - live - waiting)
        return CampaignProgress(
            campaign_id=self._spec.campaign_id,
            started=self._carry.started,
            in_flight=live,
            by_stage={
                "in_call": live,
                "waiting_for_dial_slot": waiting,
                "waiting_window_or_retry": elsewhere,
                "done": done,
            },
            by_outcome=dict(self._outcomes),
            paused=self._paused,
            cancelled=self._cancelled,
            pages_loaded=self._carry.page_number,
            paused_because=self._paused_because,
            max_concurrent_calls=self._spec.max_concurrent_calls,
            dials_per_minute=self._spec.dials_per_minute,
        )

    # --- steps ------------------------------------------------------------------------------

    async def _start_page(self) -> None:
        spec = self._spec
        page = await workflow.execute_activity_method(
            CampaignSteps.load_client_page,
            ClientPageRequest(spec.campaign_id, self._carry.cursor, spec.page_size),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )
        self._carry.page_number += 1
        self._carry.cursor = page.next_cursor
        clients = list(page.clients)
        while clients:
            # Start clients only when dial slots could soon be free: bounded look-ahead keeps the
            # permit queue (carried across continue-as-new) small.
            await self._wait_reconciling(lambda: self._cancelled or (not self._paused and self._room() > 0))
            if self._cancelled:
                self._carry.cursor = None
                return
            if workflow.patched(START_IN_BATCHES):  # all the free room at once, not one by one
                batch, clients = clients[: self._room()], clients[self._room() :]
                await asyncio.gather(*(self._start_client(client) for client in batch))
            else:
                await self._start_client(clients.pop(0))

    def _room(self) -> int:
        return self._spec.max_concurrent_calls - len(self._queue) - len(self._in_call)

    async def _start_client(self, client: ClientRef) -> None:
        spec = self._spec
        task = ClientTask(
            campaign_id=spec.campaign_id,
            client_id=client.client_id,
            broker_id=client.broker_id,
            max_attempts=spec.max_attempts,
            window=spec.window,
            retry=spec.retry,
            products=spec.products,
            caps=spec.caps,
        )
        try:
            child = await workflow.start_child_workflow(
                outreach_wf.ClientOutreachWorkflow.run,
                task,
                id=outreach_workflow_id(spec.campaign_id, client.client_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.CAMPAIGN_ID, spec.campaign_id),
                        SearchAttributePair(sa.BROKER_ID, client.broker_id),
                    ]
                ),
                # Fair dispatch across brokers on the shared task queues: one broker's large
                # campaign cannot starve another's (server fairness, docs/deploy.md).
                priority=Priority(fairness_key=client.broker_id),
                static_summary=f"Outreach to client {client.client_id}",
                static_details=f"campaign `{spec.campaign_id}` · broker `{client.broker_id}`",
            )
        except WorkflowAlreadyStartedError:
            self._carry.failed_to_start += 1  # already running from an earlier run of this page
            return
        self._carry.started += 1
        self._show(f"started {self._carry.started} clients")
        self._watchers.add(asyncio.create_task(self._watch(child, client.client_id)))

    async def _watch(self, child: ChildWorkflowHandle[Any, OutreachResult], client_id: str) -> None:
        """Children of this run are watched: one that closes without reporting is counted."""
        try:
            result = await child
        except ChildWorkflowError:
            self._count_closed_unreported(client_id)
            return
        # A completed child reported before it completed; one that did not (a test server
        # reports a termination as a completion with no result) is counted here.
        if isinstance(result, OutreachResult):
            self._count_finished(client_id, result.outcome.value)
        else:
            self._count_closed_unreported(client_id)

    async def _wait_reconciling(self, condition: Callable[[], bool]) -> None:
        """Wait for `condition`; every `reconcile_seconds` without it, count the children that
        closed without reporting (earlier runs' children are no longer watched), since one of
        them may hold the very dial slot or completion being waited for."""
        every = timedelta(seconds=self._spec.reconcile_seconds)
        while True:
            try:
                await workflow.wait_condition(condition, timeout=every)
                return
            except TimeoutError:
                await self._reconcile()

    async def _reconcile(self) -> None:
        closed = await workflow.execute_activity_method(
            CampaignSteps.find_unreported_closes,
            UnreportedClosesRequest(self._spec.campaign_id),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )
        for client_id in closed.client_ids:
            self._count_closed_unreported(client_id)
        await self._refresh_cost()

    async def _refresh_cost(self) -> None:
        """Usage priced so far, for the details (only when more clients finished since)."""
        if self._costed_at == self._carry.finished or not workflow.patched("cost-in-details"):
            return
        self._costed_at = self._carry.finished
        cost = await workflow.execute_activity_method(
            CampaignSteps.campaign_cost,
            CampaignCostRequest(self._spec.campaign_id),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
            summary="price the calls so far (cost per call, booking, opt-out)",
        )
        self._cost_line = cost.line

    async def _grant_permits(self) -> None:
        while True:
            spec = self._spec  # a throttle update applies from the next grant
            await workflow.wait_condition(
                lambda: (
                    self._draining
                    or (
                        bool(self._queue)
                        and (
                            self._cancelled
                            or (not self._paused and len(self._in_call) < self._spec.max_concurrent_calls)
                        )
                    )
                )
            )
            if self._draining:
                return
            if not workflow.patched(GRANT_IN_BATCHES):  # campaigns started before batching
                if await self._grant_next(spec):
                    await workflow.sleep(
                        timedelta(seconds=60.0 / spec.dials_per_minute), summary="pacing dials"
                    )
                continue
            # Up to a second's worth of dials at once, then one pause for them all: a timer and a
            # signal round trip per permit capped a campaign near one dial a second.
            budget = max(1, int(spec.dials_per_minute / 60.0))
            grants: list[Awaitable[bool]] = []
            while self._queue and len(grants) < budget and (self._cancelled or self._slot_free()):
                grants.append(self._grant_next(spec))
            granted = sum(await asyncio.gather(*grants))
            if granted:
                pause = timedelta(seconds=granted * 60.0 / spec.dials_per_minute)
                await workflow.sleep(pause, summary=f"pacing {granted} dials")

    def _slot_free(self) -> bool:
        return not self._paused and len(self._in_call) < self._spec.max_concurrent_calls

    def _grant_next(self, spec: CampaignSpec) -> Awaitable[bool]:
        """Take the next queued client now and signal it (the permit, or stop when cancelled);
        the awaitable says whether a permit was given."""
        client_id = self._queue.popleft()
        handle = workflow.get_external_workflow_handle_for(
            outreach_wf.ClientOutreachWorkflow.run, outreach_workflow_id(spec.campaign_id, client_id)
        )
        if self._cancelled:
            return _quietly(handle.signal(outreach_wf.ClientOutreachWorkflow.stop), False)
        self._in_call.add(client_id)
        permit = DialPermit(True, seq=self._seqs.get(client_id, 0))
        return _quietly(handle.signal(outreach_wf.ClientOutreachWorkflow.dial_permit, permit), True)

    async def _stop_granter(self, granter: asyncio.Task[None]) -> None:
        """Let the granter finish its current grant and pacing pause, then return."""
        self._draining = True
        await granter

    async def _continue(self, granter: asyncio.Task[None]) -> CampaignSummary:
        # Stop the granter first: a permit half-sent would be lost with this run, and a timer it
        # started in the same activation as the continue-as-new fails every workflow task.
        await self._stop_granter(granter)
        await workflow.wait_condition(workflow.all_handlers_finished)
        carry = CampaignCarry(
            cursor=self._carry.cursor,
            started=self._carry.started,
            finished=self._carry.finished,
            outcomes=dict(self._outcomes),
            failed_to_start=self._carry.failed_to_start,
            paused=self._paused,
            cancelled=self._cancelled,
            page_number=self._carry.page_number,
            queue=list(self._queue),
            queue_seqs={c: n for c, n in self._seqs.items() if c in self._queue or c in self._in_call},
            in_call=sorted(self._in_call),
            closed_unreported=sorted(self._closed_unreported),
            recent_calls=list(self._recent),
            paused_because=self._paused_because,
            exhausted=self._carry.exhausted,
        )
        workflow.continue_as_new(CampaignInput(self._spec, carry))

    def _finished_count(self) -> int:
        return self._carry.finished

    def _show(self, text: str) -> None:
        workflow.set_current_details(
            f"**{text}**\nstarted {self._carry.started} · finished {self._carry.finished} · "
            f"live calls {len(self._in_call)} · page {self._carry.page_number}"
            + (" · PAUSED" if self._paused else "")
            + (f" ({self._paused_because})" if self._paused_because else "")
            + (" · CANCELLED" if self._cancelled else "")
            + (f"\n{self._cost_line}" if self._cost_line else "")
        )


async def _quietly(signal: Awaitable[None], result: bool = False) -> bool:
    """Signal a client that may have just finished; a closed workflow needs no permit."""
    try:
        await signal
    except FailureError:
        workflow.logger.info("signal to a finished client workflow dropped")
    return result
