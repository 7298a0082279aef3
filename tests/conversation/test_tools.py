"""Tools: JSON-schema specs, validated arguments and results, failures fed back as results."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.llm.base import ToolCall
from conversation.agent_data import (
    BrokerCalendar,
    CachedAgentData,
    CoverageLevel,
    EligibilityResult,
    InMemoryAgentData,
    PriceQuote,
    TTLCache,
)
from conversation.tools import TOOL_SPECS
from domain.broker_slots import WorkingHours
from domain.enums import CallbackOwner, CallResult, ProductType, Stage
from tests.conversation.fakes import SIM_NOW, session, verified

EXPECTED_TOOLS = {
    "get_client_eligibility",
    "get_product_pricing",
    "check_broker_availability",
    "schedule_appointment",
    "update_client_notes",
    "transfer_to_broker",
    "request_callback",
    "add_to_dnc",
    "end_call",
    "interpret_time",
}


def test_specs_are_plain_json_schema_objects() -> None:
    assert {t.name for t in TOOL_SPECS} == EXPECTED_TOOLS
    for spec in TOOL_SPECS:
        assert spec.parameters["type"] == "object" and spec.parameters["additionalProperties"] is False
        assert "$ref" not in json.dumps(spec.parameters) and spec.description
    pricing = next(t for t in TOOL_SPECS if t.name == "get_product_pricing").parameters
    assert pricing["required"] == ["product", "coverage_level", "has_spouse"]
    assert pricing["properties"]["product"]["enum"] == ["dental", "vision"]


async def test_record_tools_refuse_before_verification() -> None:
    s = session()
    await s.engine.start()
    ok, result = await s.engine.tools.call(
        "get_product_pricing", {"product": "dental", "coverage_level": "individual", "has_spouse": False}
    )
    assert not ok and "not verified" in result["error"]


async def test_bad_arguments_become_an_error_result() -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call(
        "get_product_pricing", {"product": "hearing", "coverage_level": "individual", "has_spouse": False}
    )
    assert not ok and result["error"].startswith("invalid arguments: product")
    ok, result = await s.engine.tools.call("get_product_pricing", {"product": "dental"})
    assert not ok and "coverage_level" in result["error"]
    ok, result = await s.engine.tools.call("update_client_notes", {"note": "x", "extra": 1})
    assert not ok and "extra" in result["error"]
    ok, result = await s.engine.tools.call("launch_rocket", {})
    assert not ok and "unknown tool" in result["error"]
    failures = [a for a in s.engine.state.actions if a.kind == "tool" and not a.ok]
    assert len(failures) == 4


async def test_pricing_records_the_quote_and_moves_to_qualify() -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call(
        "get_product_pricing", {"product": "vision", "coverage_level": "family", "has_spouse": True}
    )
    assert ok and result["monthly_premium"] == "22.40"
    assert Decimal("22.40") in s.engine.state.facts.prices
    assert s.engine.stage is Stage.QUALIFY
    assert s.control.stages[-1] is Stage.QUALIFY


async def test_eligibility_is_only_for_the_client_on_the_call() -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call(
        "get_client_eligibility", {"client_id": "someone-else", "product_type": "dental"}
    )
    assert not ok and "does not match" in result["error"]
    ok, result = await s.engine.tools.call(
        "get_client_eligibility", {"client_id": "sim-client-1", "product_type": "dental"}
    )
    assert ok and result["eligible"] is True


async def test_availability_and_booking_go_through_call_control() -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call("check_broker_availability", {"broker_id": "sim-broker-1"})
    assert ok and len(result["slots"]) == 6
    days = {slot["slot_start"][:10] for slot in result["slots"]}
    assert len(days) > 1  # spread over days, not six half-hours of one morning
    slot = result["slots"][0]["slot_start"]
    ok, booking = await s.engine.tools.call("schedule_appointment", {"slot_start": slot, "product": "dental"})
    assert ok and booking["confirmation_code"].startswith("GY")
    assert [c.name for c in s.control.calls if c.name == "book_appointment"] == ["book_appointment"]
    assert s.engine.stage is Stage.CONFIRM


async def test_schedule_refuses_a_slot_availability_never_returned() -> None:
    s = session()
    await verified(s)
    invented = (SIM_NOW + timedelta(days=2, hours=1)).isoformat()
    ok, result = await s.engine.tools.call("schedule_appointment", {"slot_start": invented})
    assert not ok and "not offered" in result["error"]
    ok, result = await s.engine.tools.call("schedule_appointment", {"slot_start": "2026-12-01T10:00:00"})
    assert not ok and "UTC offset" in result["error"]
    assert not any(c.name == "book_appointment" for c in s.control.calls)


async def test_booking_after_opt_out_is_rejected_by_call_control() -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call("check_broker_availability", {"broker_id": "sim-broker-1"})
    slot = result["slots"][0]["slot_start"]
    assert (await s.engine.tools.call("add_to_dnc", {}))[0]
    ok, result = await s.engine.tools.call("schedule_appointment", {"slot_start": slot})
    assert not ok and "opted out" in result["error"]


async def test_taken_slot_is_rejected() -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call("check_broker_availability", {"broker_id": "sim-broker-1"})
    slot = datetime.fromisoformat(result["slots"][0]["slot_start"])
    s.control.calendar.taken.add(slot)  # someone else booked it meanwhile
    ok, result = await s.engine.tools.call("schedule_appointment", {"slot_start": slot.isoformat()})
    assert not ok and "not free" in result["error"]


async def test_callback_from_words_in_client_zone_and_end_call_consistency() -> None:
    s = session()
    await s.engine.start()
    ok, result = await s.engine.tools.call("end_call", {"reason": "callback_requested"})
    assert not ok and "has not happened" in result["error"]
    ok, result = await s.engine.tools.call(
        "request_callback", {"when": "tomorrow at 2 pm", "owner": "broker"}
    )
    assert ok and result["spoken"] == "Tuesday, December first at two p.m."
    assert s.control.callbacks[0].owner is CallbackOwner.BROKER
    ok, result = await s.engine.tools.call("request_callback", {"when": "whenever"})
    assert not ok and "could not understand" in result["error"]
    ok, _ = await s.engine.tools.call("end_call", {"reason": "callback_requested"})
    assert ok and s.control.ended is not None and s.control.ended[0] is CallResult.CALLBACK_REQUESTED
    ok, result = await s.engine.tools.call("add_to_dnc", {})
    assert not ok and "ended" in result["error"]


async def test_iso_callback_outside_calling_hours_is_moved() -> None:
    s = session()
    await s.engine.start()
    ok, result = await s.engine.tools.call("request_callback", {"when": "2026-12-01T23:30:00-05:00"})
    assert ok and result["moved_into_calling_hours"] is True
    assert result["spoken"] == "Wednesday, December second at eight a.m."


async def test_notes_refuse_id_numbers() -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call("update_client_notes", {"note": "SSN 123-45-6789"})
    assert not ok and "identification" in result["error"]
    ok, result = await s.engine.tools.call("update_client_notes", {"note": "prefers mornings"})
    assert ok and s.data.notes == [("sim-client-1", "prefers mornings")]


async def test_a_failing_data_source_is_an_error_result_not_a_crash() -> None:
    s = session()
    await verified(s)

    async def broken(*_: object) -> None:
        raise ConnectionError("db down")

    s.data.availability = broken  # type: ignore[method-assign]
    message = await s.engine.tools.execute(
        ToolCall("c9", "check_broker_availability", {"broker_id": "sim-broker-1"})
    )
    assert message.role == "tool" and message.tool_call_id == "c9"
    assert json.loads(message.content) == {
        "error": "check_broker_availability is unavailable right now (ConnectionError)"
    }


async def test_an_invalid_result_from_the_data_source_is_refused() -> None:
    s = session()
    await verified(s)

    async def bad_price(*_: object) -> dict[str, object]:
        return {
            "product": "dental",
            "coverage_level": "individual",
            "has_spouse": False,
            "monthly_premium": "-3",
        }

    s.data.pricing = bad_price  # type: ignore[method-assign]
    s.engine.tools.data = s.data  # bypass the cache
    ok, result = await s.engine.tools.call(
        "get_product_pricing", {"product": "dental", "coverage_level": "individual", "has_spouse": False}
    )
    assert not ok and "unavailable" in result["error"]
    assert not s.engine.state.facts.prices


async def test_pricing_and_eligibility_are_cached_for_an_hour() -> None:
    now = [SIM_NOW]
    calendar = BrokerCalendar(WorkingHours("America/New_York"))
    inner = InMemoryAgentData({"b": calendar}, clock=lambda: now[0])
    calls: list[str] = []
    original_pricing, original_eligibility = inner.pricing, inner.eligibility

    async def counting_pricing(*args: object) -> PriceQuote:
        calls.append("pricing")
        return await original_pricing(*args)  # type: ignore[arg-type]

    async def counting_eligibility(*args: object) -> EligibilityResult:
        calls.append("eligibility")
        return await original_eligibility(*args)  # type: ignore[arg-type]

    inner.pricing, inner.eligibility = counting_pricing, counting_eligibility  # type: ignore[method-assign]
    cached = CachedAgentData(inner, clock=lambda: now[0])
    for _ in range(3):
        await cached.pricing(ProductType.DENTAL, CoverageLevel.INDIVIDUAL, False)
        await cached.eligibility("c1", ProductType.DENTAL)
    assert calls == ["pricing", "eligibility"]
    now[0] += timedelta(minutes=59)
    await cached.pricing(ProductType.DENTAL, CoverageLevel.INDIVIDUAL, False)
    assert calls == ["pricing", "eligibility"]
    now[0] += timedelta(minutes=2)
    await cached.pricing(ProductType.DENTAL, CoverageLevel.INDIVIDUAL, False)
    await cached.pricing(ProductType.DENTAL, CoverageLevel.FAMILY, False)
    assert calls == ["pricing", "eligibility", "pricing", "pricing"]


def test_ttl_cache_evicts_oldest_when_full() -> None:
    cache: TTLCache[str, int] = TTLCache(
        timedelta(hours=1), clock=lambda: datetime(2026, 1, 1, tzinfo=UTC), max_entries=2
    )
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get("a") is None and cache.get("b") == 2 and cache.get("c") == 3


@pytest.mark.parametrize(
    "date_range", [{"start": "2026-12-05", "end": "2026-12-01"}, {"start": "2026-12-01", "end": "2027-01-30"}]
)
async def test_bad_date_ranges(date_range: dict[str, str]) -> None:
    s = session()
    await verified(s)
    ok, result = await s.engine.tools.call(
        "check_broker_availability", {"broker_id": "sim-broker-1", "date_range": date_range}
    )
    assert not ok and "date_range" in result["error"]


async def test_interpret_time_reads_the_callers_words_in_their_zone() -> None:
    s = session()
    await s.engine.start()
    ok, result = await s.engine.tools.call("interpret_time", {"words": "Thursday around three"})
    assert ok and result["days"] == ["2026-12-03"] and result["clock"] == "15:00:00"
    assert result["instant"] == "2026-12-03T20:00:00Z" and result["needs_confirmation"] is True
    ok, result = await s.engine.tools.call("interpret_time", {"words": "anything after 3"})
    assert ok and result["earliest"] == "15:00:00" and result["clock"] is None
    ok, result = await s.engine.tools.call("interpret_time", {"words": "whenever"})
    assert ok and result["instant"] is None


def test_each_tool_is_declared_once_on_its_handler():
    """Name, description, argument model, verification and stage live on the handler (@tool):
    the spec the model sees is derived from the same declaration the ToolBox dispatches on."""
    from conversation.tools import TOOLS, ToolBox

    assert [d.name for d in TOOLS.values()] == [s.name for s in TOOL_SPECS]
    for declared in TOOLS.values():
        handler = getattr(ToolBox, declared.handler)
        assert handler.__tool__ is declared
        assert next(s for s in TOOL_SPECS if s.name == declared.name).description == declared.description
    needing = {n for n, d in TOOLS.items() if d.needs_verification}
    assert needing == {
        "get_client_eligibility",
        "get_product_pricing",
        "check_broker_availability",
        "schedule_appointment",
        "update_client_notes",
    }
