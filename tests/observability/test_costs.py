"""Promise: what calls consumed is priced with the unit prices in settings and rolled up per
campaign and per broker as cost per call, per booking and per opt-out; the campaign shows it in
its current details and `gyde campaign status` in its JSON."""

from __future__ import annotations

import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.testing import WorkflowEnvironment

from cli.campaign_costs import campaign_costs
from db.repositories.usage import costs_summary
from db.session import Database
from domain.enums import CallResult, CallStatus, Stage
from domain.messages import CallUsage
from domain.usage import UnitPrices, UsageTotals, billed_minutes, cost_line, cost_report
from settings import Settings
from sim.scripted_phone import Book, Consent, End, EnterStage, OptOut, Status
from tests.workflows.harness import running_world
from tests.workflows.test_campaign import cid, spec, start

PRICES = {
    "price_stt_per_minute": 0.0,
    "price_llm_input_per_million_tokens": 1.0,
    "price_llm_output_per_million_tokens": 0.0,
    "price_tts_per_million_characters": 0.0,
    "price_telephony_per_minute": 0.0,
}
MILLION = CallUsage(llm_input_tokens=1_000_000, llm_provider="local")


def test_cost_report_prices_each_kind_and_divides_by_calls_bookings_and_opt_outs() -> None:
    usage = UsageTotals(
        calls=4,
        billed_minutes=10,
        stt_audio_seconds=300.0,
        llm_input_tokens=2_000_000,
        llm_output_tokens=500_000,
        tts_characters=20_000,
        bookings=2,
        opt_outs=0,
    )
    prices = UnitPrices(0.01, 0.5, 2.0, 30.0, 0.02)
    report = cost_report(usage, prices)
    # stt 5 min x 0.01 = 0.05; llm 2 x 0.5 + 0.5 x 2 = 2.0; tts 0.02 x 30 = 0.6; telephony 10 x 0.02 = 0.2
    assert report.by_kind_usd == {"stt": 0.05, "llm": 2.0, "tts": 0.6, "telephony": 0.2}
    assert report.total_usd == 2.85
    assert (report.per_call_usd, report.per_booking_usd, report.per_opt_out_usd) == (0.7125, 1.425, None)
    assert cost_line(report).endswith("per booking $1.43 · per opt-out n/a")


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 0), (1, 1), (60, 1), (61, 2), (-5, 0)])
def test_carrier_minutes_round_up_per_call(seconds: int, minutes: int) -> None:
    assert billed_minutes(seconds) == minutes


def _call(*middle: object, result: CallResult) -> list[object]:
    return [
        Status(CallStatus.RINGING),
        Status(CallStatus.ANSWERED),
        Consent(True),
        EnterStage(Stage.INTRO),
        *middle,
        End(result, usage=MILLION),
        Status(CallStatus.COMPLETED),
    ]


async def test_a_campaign_shows_its_cost_in_details_and_status(
    time_env: WorkflowEnvironment, database: Database
) -> None:
    plan = {
        cid(0): _call(EnterStage(Stage.SCHEDULE), Book(), result=CallResult.SCHEDULED),
        cid(1): _call(EnterStage(Stage.PRESENT), OptOut(), result=CallResult.OPTED_OUT),
    }
    script = lambda client_id, _attempt: plan[client_id]  # noqa: E731
    async with running_world(
        time_env.client, database, script, clients=2, settings_overrides=PRICES
    ) as world:
        handle = await start(world, spec())
        await handle.result()
        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        async with database.session() as session:
            summary = await costs_summary(session, "camp-1", Settings(**PRICES).unit_prices())  # type: ignore[arg-type]
        broker = world.broker_ids[0]
    details = metadata.current_details
    assert "cost $2.00 over 2 calls · per call $1.00 · per booking $2.00 · per opt-out $2.00" in details
    campaign = summary["campaign"]
    assert campaign["usage"]["calls"] == 2 and campaign["usage"]["llm_input_tokens"] == 2_000_000
    assert (campaign["usage"]["bookings"], campaign["usage"]["opt_outs"]) == (1, 1)
    assert (campaign["total_usd"], campaign["per_call_usd"], campaign["per_booking_usd"]) == (2.0, 1.0, 2.0)
    assert summary["brokers"][broker]["total_usd"] == 2.0  # one broker owns both clients
    assert summary["unit_prices"]["llm_input_per_million_tokens"] == 1.0


async def test_status_costs_of_an_unreadable_database_are_one_clear_error() -> None:
    settings = Settings(database_url="sqlite+aiosqlite:////nonexistent-dir/none.db")
    costs = await campaign_costs(settings, "camp-1")
    assert costs == {"error": "usage unavailable: database not readable (OperationalError)"}
