"""Record ClientOutreachWorkflow histories for the replay test (tests/workflows/test_replay.py).

    .venv/bin/python -m tests.workflows.record_histories [scenario ...]

Runs each scenario on the time-skipping test server over real activities and a throwaway SQLite
database, with the scripted phone, and writes `histories/<generation>/<scenario>.json` for today's
generation (CURRENT). A versioned workflow change starts a new generation directory; the older
ones stay as they were recorded (`histories/*.json` is the generation before the lean
lifecycle), because workflows of every generation may still be running. A scenario added later
is recorded from its generation on only. Never re-record to
silence a replay failure. Payloads are encrypted with the development key ring, which the replay
test uses too.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.session import Database
from domain.enums import CallbackOwner, CallResult, CallStatus, Outcome, Stage
from domain.ids import campaign_workflow_id, outreach_workflow_id
from domain.messages import (
    CallingWindow,
    CampaignInput,
    CampaignSpec,
    ClientTask,
    FrequencyCaps,
    RetryPolicySpec,
)
from security.keyring import KeyRing
from security.payload_codec import data_converter
from sim.scripted_phone import AskCallback, Book, EnterStage, OptOut, Step, answered_call, unanswered_call
from tests.conftest import skip_to_calling_hours, start_test_env
from tests.workflows.harness import running_world
from workflows.campaign import CampaignWorkflow
from workflows.outreach import ClientOutreachWorkflow

HISTORIES = Path(__file__).parent / "histories"
# The generation today's code records (workflows/outreach_patches.py CLOSE_STRAY_CALLBACKS);
# `lean-lifecycle` was recorded before it, `histories/*.json` before the lean lifecycle.
LEAN = HISTORIES / "lean-lifecycle"
CURRENT = HISTORIES / "close-stray-callbacks"
GENERATIONS = (HISTORIES, LEAN, CURRENT)
CAMPAIGN = "camp-replay"
CLIENT = "cli-1-00000"  # the first client the harness seeds
WORKFLOW_ID = outreach_workflow_id(CAMPAIGN, CLIENT)


@dataclass(frozen=True)
class Scenario:
    name: str
    script: Callable[[str, int], Sequence[Step]]
    outcome: Outcome
    caps: FrequencyCaps = FrequencyCaps()
    # Run as the one client of a CampaignWorkflow (dial permits, the slot back with the finish
    # report) instead of started on its own.
    via_campaign: bool = False


def _callback_then_book(_client: str, attempt: int) -> Sequence[Step]:
    if attempt == 1:
        return answered_call(AskCallback(timedelta(hours=26)), result=CallResult.CALLBACK_REQUESTED)
    return answered_call(Book(), result=CallResult.SCHEDULED)


def _no_answer_then_book(_client: str, attempt: int) -> Sequence[Step]:
    if attempt == 1:
        return unanswered_call(CallStatus.NO_ANSWER)
    return answered_call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "scheduled",
        lambda _c, _a: answered_call(
            EnterStage(Stage.VERIFY), EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED
        ),
        Outcome.SCHEDULED,
    ),
    Scenario("no_answer_retries", lambda _c, _a: unanswered_call(CallStatus.NO_ANSWER), Outcome.NO_ANSWER),
    Scenario(
        "opt_out",
        lambda _c, _a: answered_call(EnterStage(Stage.PRESENT), OptOut(), result=CallResult.OPTED_OUT),
        Outcome.OPTED_OUT,
    ),
    Scenario("ai_callback_then_booked", _callback_then_book, Outcome.SCHEDULED),
    Scenario(
        "broker_callback",
        lambda _c, _a: answered_call(
            AskCallback(timedelta(hours=3), CallbackOwner.BROKER), result=CallResult.CALLBACK_REQUESTED
        ),
        Outcome.CALLBACK_SCHEDULED,
    ),
    # Since close-stray-callbacks: a callback the caller then outweighs by opting out.
    Scenario(
        "callback_then_opt_out",
        lambda _c, _a: answered_call(
            AskCallback(timedelta(hours=5), CallbackOwner.BROKER), OptOut(), result=CallResult.OPTED_OUT
        ),
        Outcome.OPTED_OUT,
    ),
    # Since close-stray-callbacks: a campaign's client, no answer then booked (its dial permits,
    # the retry's slot given back, the last slot back with the finish report).
    Scenario("campaign_retry_then_booked", _no_answer_then_book, Outcome.SCHEDULED, via_campaign=True),
    # One dial a day: every retry is deferred by the compliance gate to the next local morning.
    Scenario(
        "gate_deferred_retries",
        lambda _c, _a: unanswered_call(CallStatus.NO_ANSWER),
        Outcome.NO_ANSWER,
        caps=FrequencyCaps(per_day=1, per_week=6, per_campaign=6),
    ),
)


def task(caps: FrequencyCaps) -> ClientTask:
    return ClientTask(
        campaign_id=CAMPAIGN,
        client_id=CLIENT,
        broker_id="brk-1-000",
        max_attempts=3,
        window=CallingWindow(start_hour=0, end_hour=24),
        retry=RetryPolicySpec(base_minutes=60, multiplier=2.0, max_minutes=600),
        caps=caps,
    )


async def _run_campaign(client: Client, task_queue: str) -> None:
    """The campaign over the one seeded client, to its end (the client's run is its child)."""
    spec = CampaignSpec(
        campaign_id=CAMPAIGN,
        max_concurrent_calls=1,
        dials_per_minute=600.0,
        max_attempts=3,
        window=CallingWindow(start_hour=0, end_hour=24),
        retry=RetryPolicySpec(base_minutes=60, multiplier=2.0, max_minutes=600),
    )
    await client.execute_workflow(
        CampaignWorkflow.run, CampaignInput(spec), id=campaign_workflow_id(CAMPAIGN), task_queue=task_queue
    )


async def record(scenario: Scenario, env: WorkflowEnvironment, workdir: Path) -> str:
    db = Database(f"sqlite+aiosqlite:///{workdir / f'{scenario.name}.db'}")
    await db.create_all()
    try:
        async with running_world(env.client, db, scenario.script, campaign_id=CAMPAIGN) as world:
            assert world.client_ids == [CLIENT]
            if scenario.via_campaign:
                await _run_campaign(world.client, world.task_queue)  # the client's run ended in it
                handle = world.client.get_workflow_handle_for(ClientOutreachWorkflow.run, WORKFLOW_ID)
            else:
                handle = await world.client.start_workflow(
                    ClientOutreachWorkflow.run,
                    task(scenario.caps),
                    id=WORKFLOW_ID,
                    task_queue=world.task_queue,
                )
            result = await handle.result()
            if result.outcome is not scenario.outcome:
                raise RuntimeError(f"{scenario.name}: expected {scenario.outcome}, got {result.outcome}")
            history = await handle.fetch_history()
    finally:
        await db.dispose()
    # Re-indent so the committed files diff line by line.
    return json.dumps(json.loads(history.to_json()), indent=1, sort_keys=True) + "\n"


async def main(names: Sequence[str]) -> None:
    from temporal_client import ensure_search_attributes

    unknown = set(names) - {s.name for s in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    CURRENT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in (s for s in SCENARIOS if not names or s.name in names):
            env = await start_test_env(data_converter=data_converter(KeyRing.development()))
            try:
                await ensure_search_attributes(env.client)
                await skip_to_calling_hours(env)
                text = await record(scenario, env, Path(tmp))
            finally:
                await env.shutdown()
            path = CURRENT / f"{scenario.name}.json"
            path.write_text(text)
            print(f"recorded {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
