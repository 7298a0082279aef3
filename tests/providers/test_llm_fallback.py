"""LLMFallbackChain over the real adapters against stubs: same-turn switching, timeouts, breakers."""

from __future__ import annotations

import pytest

from adapters.fallback import BreakerBoard, BreakerState
from adapters.llm.anthropic_llm import AnthropicLLM
from adapters.llm.base import (
    ChatMessage,
    LLMEvent,
    LLMRequest,
    ProviderError,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    TurnDone,
)
from adapters.llm.fallback import LLMFallbackChain, SwitchEvent
from adapters.llm.openai_llm import OpenAILLM
from tests.providers.conftest import FakeClock
from tests.providers.local import EchoLLM
from tests.providers.stub_http import Reply, StubHTTPServer, json_reply
from tests.providers.wire import (
    anthropic_error_body,
    anthropic_text_events,
    anthropic_tool_events,
    openai_error_body,
    openai_text_events,
    openai_tool_events,
    sse,
)

OPENAI = "/v1/responses"
ANTHROPIC = "/v1/messages"
REQUEST = LLMRequest(system="You are Emma.", messages=(ChatMessage(role="user", content="hello"),))


def sse_reply(events: list[dict[str, object]], **kwargs: object) -> Reply:
    return Reply(200, sse(events), "text/event-stream", **kwargs)  # type: ignore[arg-type]


def chain(
    stub: StubHTTPServer, clock: FakeClock, timeout_s: float = 2.0, **kwargs: object
) -> tuple[LLMFallbackChain, EchoLLM]:
    echo = EchoLLM()
    providers = [
        OpenAILLM("sk-test", "gpt-4.1-mini", 5.0, base_url=stub.base_url + "/v1"),
        AnthropicLLM("sk-ant", "claude-sonnet-5-5", 5.0, base_url=stub.base_url),
        echo,
    ]
    return LLMFallbackChain(providers, timeout_s, clock=clock, **kwargs), echo  # type: ignore[arg-type]


async def run(llm: LLMFallbackChain) -> list[LLMEvent]:
    return [event async for event in llm.stream(REQUEST)]


def text(events: list[LLMEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_falls_back_openai_to_anthropic_to_local_within_the_same_turn(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    stub.add("POST", OPENAI, json_reply(500, openai_error_body(500)))
    stub.add("POST", ANTHROPIC, json_reply(429, anthropic_error_body(429)))
    llm, echo = chain(stub, clock)
    events = await run(llm)
    assert text(events) == "I heard: hello"
    assert events[-1] == TurnDone("stop", "echo")
    assert llm.last_provider == "echo"
    assert [(a.provider, a.error) for a in llm.last_turn.attempts] == [
        ("openai", "server error (500)"),
        ("anthropic", "rate limited (429)"),
        ("echo", None),
    ]
    assert not llm.last_turn.switched_after_output


async def test_openai_timeout_falls_back_to_anthropic(stub: StubHTTPServer, clock: FakeClock) -> None:
    stub.add("POST", OPENAI, sse_reply(openai_text_events(["too late"]), delay_s=3.0))
    stub.add("POST", ANTHROPIC, sse_reply(anthropic_text_events(["Hi, ", "this is Emma."])))
    llm, echo = chain(stub, clock, timeout_s=0.3)
    events = await run(llm)
    assert text(events) == "Hi, this is Emma."
    assert llm.last_provider == "anthropic"
    assert llm.last_turn.attempts[0].error == "no event within 0.3s"
    assert echo.turns == 0


async def test_stall_mid_stream_is_bounded_by_the_timeout(stub: StubHTTPServer, clock: FakeClock) -> None:
    stub.add("POST", OPENAI, sse_reply(openai_text_events(["one ", "two"]), stall_after=2))
    stub.add("POST", ANTHROPIC, sse_reply(anthropic_text_events(["Hello."])))
    llm, _ = chain(stub, clock, timeout_s=0.3)
    events = await run(llm)
    assert text(events) == "Hello."  # the stall came before any text
    assert llm.last_provider == "anthropic"


async def test_failure_after_partial_text_switches_and_is_reported(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    events = openai_text_events(["Your dental plan ", "costs"])
    stub.add("POST", OPENAI, sse_reply(events, cut_after=6))  # two deltas out, then the socket drops
    stub.add("POST", ANTHROPIC, sse_reply(anthropic_text_events(["Let me put that another way."])))
    switches: list[SwitchEvent] = []
    llm, _ = chain(stub, clock, on_switch=switches.append)
    out = await run(llm)
    deltas = [e.text for e in out if isinstance(e, TextDelta)]
    assert deltas == ["Your dental plan ", "costs", "Let me put that another way."]
    assert switches == [SwitchEvent("openai", "anthropic", True, switches[0].error)]
    assert llm.last_turn.switched_after_output
    assert llm.last_provider == "anthropic"


async def test_breaker_opens_after_five_failures_and_probes_after_30_seconds(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    llm = LLMFallbackChain(
        [OpenAILLM("sk-test", "gpt-4.1-mini", 5.0, base_url=stub.base_url + "/v1"), EchoLLM()],
        2.0,
        clock=clock,
    )
    stub.add("POST", OPENAI, *[json_reply(500, openai_error_body(500)) for _ in range(5)])
    for _ in range(5):
        await run(llm)
        assert llm.last_provider == "echo"
    assert llm.breakers.get("openai").state is BreakerState.OPEN
    await run(llm)
    assert len(stub.requests_to(OPENAI)) == 5  # skipped without a request
    assert llm.last_turn.skipped_open == ["openai"]
    clock.advance(29)
    await run(llm)
    assert len(stub.requests_to(OPENAI)) == 5
    clock.advance(1)
    stub.add("POST", OPENAI, sse_reply(openai_text_events(["Back online."])))
    assert text(await run(llm)) == "Back online."
    assert llm.last_provider == "openai"
    assert llm.breakers.get("openai").state is BreakerState.CLOSED


async def test_failed_probe_reopens_the_breaker(stub: StubHTTPServer, clock: FakeClock) -> None:
    board = BreakerBoard(clock=clock)
    llm = LLMFallbackChain(
        [OpenAILLM("sk-test", "gpt-4.1-mini", 5.0, base_url=stub.base_url + "/v1"), EchoLLM()],
        2.0,
        breakers=board,
    )
    stub.add("POST", OPENAI, *[json_reply(503, openai_error_body(503)) for _ in range(6)])
    for _ in range(5):
        await run(llm)
    clock.advance(30)
    await run(llm)  # the probe: fails
    assert len(stub.requests_to(OPENAI)) == 6
    assert board.get("openai").state is BreakerState.OPEN
    await run(llm)
    assert len(stub.requests_to(OPENAI)) == 6


async def test_consumer_cancelling_a_turn_is_not_a_provider_failure(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    llm, _ = chain(stub, clock)
    for _ in range(6):
        stub.add("POST", OPENAI, sse_reply(openai_text_events(["Hello ", "there"])))
        stream = llm.stream(REQUEST)
        first = await anext(stream)
        assert first == TextDelta("Hello ")
        await stream.aclose()  # barge-in
    breaker = llm.breakers.get("openai")
    assert breaker.state is BreakerState.CLOSED and breaker.consecutive_failures == 0


async def test_all_providers_failing_raises_one_provider_error(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    stub.add("POST", OPENAI, json_reply(500, openai_error_body(500)))
    stub.add("POST", ANTHROPIC, json_reply(500, anthropic_error_body(500)))
    llm = LLMFallbackChain(
        [
            OpenAILLM("sk-test", "gpt-4.1-mini", 5.0, base_url=stub.base_url + "/v1"),
            AnthropicLLM("sk-ant", "claude-sonnet-5-5", 5.0, base_url=stub.base_url),
        ],
        2.0,
        clock=clock,
    )
    with pytest.raises(ProviderError, match="all providers failed") as info:
        await run(llm)
    assert info.value.provider == "chain"


def test_chain_configuration_is_validated() -> None:
    with pytest.raises(ValueError):
        LLMFallbackChain([], 1.0)
    with pytest.raises(ValueError):
        LLMFallbackChain([EchoLLM(), EchoLLM()], 1.0)
    with pytest.raises(ValueError):
        LLMFallbackChain([EchoLLM()], 0)


async def test_tool_calls_of_a_failed_provider_are_never_emitted(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    events = openai_tool_events("call_1", "end_call", ['{"reason": "opted_out"}'])
    stub.add("POST", OPENAI, sse_reply(events[:-1]))  # the call item is done, response.completed never comes
    parts = ['{"reason": ', '"opted_out"}']
    stub.add("POST", ANTHROPIC, sse_reply(anthropic_tool_events("Understood.", "toolu_9", "end_call", parts)))
    llm, _ = chain(stub, clock)
    out = await run(llm)
    calls = [e.call for e in out if isinstance(e, ToolCallEvent)]
    assert calls == [
        ToolCall("toolu_9", "end_call", {"reason": "opted_out"})
    ]  # once, from the server that finished
    assert out[-1] == TurnDone("tool_calls", "anthropic", 120, 33)
    assert not llm.last_turn.switched_after_output  # no text had escaped


async def test_per_call_views_share_breakers_but_not_reports(stub: StubHTTPServer, clock: FakeClock) -> None:
    shared, _ = chain(stub, clock)
    first, second = shared.for_call(), shared.for_call()
    assert first.breakers is shared.breakers is second.breakers
    stub.add("POST", OPENAI, sse_reply(openai_text_events(["One."])))
    stub.add("POST", OPENAI, json_reply(500, openai_error_body(500)))
    stub.add("POST", ANTHROPIC, sse_reply(anthropic_text_events(["Two."])))
    await run(first)
    await run(second)
    assert (first.last_provider, second.last_provider, shared.last_provider) == ("openai", "anthropic", None)
    assert shared.breakers.get("openai").consecutive_failures == 1
