"""The turn engine: the model tool loop, streaming, local fallback, stage changes via tools."""

from __future__ import annotations

import asyncio
import json

import pytest

from adapters.llm.base import TextDelta
from conversation.engine import REDACTED_IDENTITY, ConversationEngine
from conversation.personas import SIM_CLIENT
from domain.enums import CallResult, Stage
from tests.conversation.fakes import ScriptedLLM, session, text, tool, verified


async def test_tool_loop_feeds_results_back_and_speaks_the_returned_price() -> None:
    llm = ScriptedLLM(
        [
            tool("get_product_pricing", product="dental", coverage_level="individual", has_spouse=False),
            text("Dental for just you is $24.50 a month. ", "Would you like to book a call?"),
        ]
    )
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn("How much is dental?")
    assert (
        result.reply_text
        == "Dental for just you is twenty-four dollars and fifty cents a month. Would you like to book a call?"
    )
    assert result.blocked == () and result.provider == "scripted"
    assert [a.name for a in result.actions] == ["qualify", "get_product_pricing"]
    second = llm.requests[1]
    tool_message = second.messages[-1]
    assert tool_message.role == "tool" and tool_message.name == "get_product_pricing"
    assert json.loads(tool_message.content)["monthly_premium"] == "24.50"
    assert second.messages[-2].tool_calls[0].name == "get_product_pricing"
    assert result.stage is Stage.QUALIFY


async def test_a_failed_tool_call_is_fed_back_and_the_turn_goes_on() -> None:
    llm = ScriptedLLM(
        [
            tool("schedule_appointment", slot_start="next tuesday"),
            text("Let me check the calendar first."),
        ]
    )
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn("Book me in.")
    assert result.reply_text == "Let me check the calendar first."
    error = json.loads(llm.requests[1].messages[-1].content)["error"]
    assert error.startswith("invalid arguments: slot_start")
    assert not s.control.bookings and not s.engine.ended


async def test_stage_follows_tools_through_booking_and_close() -> None:
    s0 = session()
    await verified(s0)
    ok, avail = await s0.engine.tools.call("check_broker_availability", {"broker_id": "sim-broker-1"})
    slot = avail["slots"][1]["slot_start"]
    llm = ScriptedLLM(
        [
            tool("check_broker_availability", broker_id="sim-broker-1"),
            text(f"Dana has {avail['slots'][1]['spoken']}. Does that work?"),
            tool("schedule_appointment", slot_start=slot, product="dental"),
            [TextDelta("You're booked. Goodbye."), *tool("end_call", reason="scheduled")],
        ]
    )
    s = session(llm=llm)
    await verified(s)
    first = await s.engine.turn("Yes, let's find a time.")
    assert first.stage is Stage.SCHEDULE and first.blocked == ()
    second = await s.engine.turn("Yes, that works.")
    assert second.ended and second.outcome is CallResult.SCHEDULED and second.stage is Stage.CLOSE
    assert s.control.stages == [Stage.VERIFY, Stage.PRESENT, Stage.SCHEDULE, Stage.CONFIRM, Stage.CLOSE]
    assert s.control.ended is not None and s.control.ended[0] is CallResult.SCHEDULED


async def test_sentences_stream_before_the_model_finishes() -> None:
    llm = ScriptedLLM([text("First sentence here. ", "Second one ", "is slow.")])
    s = session(llm=llm)
    await verified(s)
    llm.gate = asyncio.Event()
    stream = s.engine.stream_turn("Tell me more.")
    first = await asyncio.wait_for(anext(stream), timeout=5)
    assert first == "First sentence here."
    llm.gate.set()
    rest = [sentence async for sentence in stream]
    assert rest == ["Second one is slow."]
    assert (
        s.engine.last_result is not None
        and s.engine.last_result.reply_text == "First sentence here. Second one is slow."
    )


async def test_provider_failure_falls_back_to_the_local_policy() -> None:
    llm = ScriptedLLM(fail=True)
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn("Sure, that sounds good.")
    assert result.provider == "local"
    assert "just for you, or for you and your spouse" in result.reply_text
    assert len(llm.requests) == 1


async def test_opt_out_is_honoured_locally_without_asking_the_model() -> None:
    llm = ScriptedLLM([text("Should not be said.")])
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn("Please stop calling me.")
    assert llm.requests == []
    assert result.ended and result.outcome is CallResult.OPTED_OUT and s.control.opted_out
    assert result.reply_text.count(".") == 1  # one sentence


async def test_model_opt_out_without_end_call_still_closes_the_call() -> None:
    llm = ScriptedLLM([tool("add_to_dnc"), text("Done, you won't hear from us again.")])
    s = session(llm=llm)
    await verified(s)
    result = await s.engine.turn("Ugh, I never want these calls.")
    assert result.ended and result.outcome is CallResult.OPTED_OUT
    names = [c.name for c in s.control.calls]
    assert names.index("opt_out") < names.index("end_call") == len(names) - 1


async def test_the_model_never_sees_identity_answers() -> None:
    llm = ScriptedLLM([text("Great.")])
    s = session(llm=llm)
    await verified(s)
    await s.engine.turn("Tell me more.")
    sent = json.dumps([m.content for m in llm.requests[0].messages])
    assert REDACTED_IDENTITY in sent
    assert "1961" not in sent and "Lopez" not in sent and "March" not in sent
    assert "Lopez" not in llm.requests[0].system and "1961" not in llm.requests[0].system
    assert llm.requests[0].metadata["prompt_version"] == "v1"
    assert s.engine.prompt_version == "v1"


async def test_barge_in_cuts_history_to_what_was_heard() -> None:
    llm = ScriptedLLM([text("One. Two. Three.")])
    s = session(llm=llm)
    await verified(s)
    await s.engine.turn("Go on.")
    s.engine.heard("One.")
    assert s.engine.history[-1].content == "One."


async def test_hangup_results() -> None:
    s = session()
    await s.engine.start()
    result = await s.engine.hangup()
    assert result.outcome is CallResult.DROPPED and result.stage is Stage.CLOSE
    s2 = session()
    await verified(s2)
    ok, avail = await s2.engine.tools.call("check_broker_availability", {"broker_id": "sim-broker-1"})
    await s2.engine.tools.call("schedule_appointment", {"slot_start": avail["slots"][0]["slot_start"]})
    assert (await s2.engine.hangup()).outcome is CallResult.SCHEDULED


async def test_turns_after_the_end_say_nothing_and_do_nothing() -> None:
    s = session()
    await s.engine.start()
    await s.engine.turn("Stop calling me.")
    actions = len(s.engine.state.actions)
    result = await s.engine.turn("Hello?")
    assert result.reply_text == "" and len(s.engine.state.actions) == actions


def test_a_model_needs_a_prompt_version() -> None:
    context, identity = SIM_CLIENT.split()
    s = session()
    with pytest.raises(ValueError, match="prompt"):
        ConversationEngine(context, identity, s.control, s.data, llm=ScriptedLLM())


async def _said(stream) -> str:  # type: ignore[no-untyped-def]
    return " ".join([sentence async for sentence in stream])


async def test_silence_reprompts_with_the_last_question_then_ends_as_dropped() -> None:
    from conversation.engine import MAX_SILENCE_PROMPTS, SILENT_GOODBYE, STILL_THERE

    s = session()
    opening = (await s.engine.start()).reply_text
    question = [part for part in opening.split("?") if part][0].split(". ")[-1].strip() + "?"
    for _ in range(MAX_SILENCE_PROMPTS):
        said = await _said(s.engine.stream_silence())
        assert said.startswith(STILL_THERE) and said.endswith(question)
        assert not s.engine.ended
    goodbye = await _said(s.engine.stream_silence())
    assert goodbye == SILENT_GOODBYE
    assert s.engine.ended and s.control.ended is not None
    assert s.control.ended[0] is CallResult.DROPPED


async def test_an_answer_resets_the_silence_count() -> None:
    from conversation.engine import MAX_SILENCE_PROMPTS, STILL_THERE

    s = session()
    await s.engine.start()
    for _ in range(MAX_SILENCE_PROMPTS):
        await _said(s.engine.stream_silence())
    await s.engine.turn("Yes, speaking.")  # the caller is back
    for _ in range(MAX_SILENCE_PROMPTS):
        assert (await _said(s.engine.stream_silence())).startswith(STILL_THERE)
    assert not s.engine.ended and s.control.ended is None
