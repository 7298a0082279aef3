"""OpenAILLM against a stub speaking the Responses API's SSE wire format."""

from __future__ import annotations

import json

import pytest

from adapters.llm.base import (
    ChatMessage,
    LLMEvent,
    LLMRequest,
    ProviderError,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolSpec,
    TurnDone,
)
from adapters.llm.openai_llm import OpenAILLM
from tests.providers.stub_http import Reply, StubHTTPServer, json_reply
from tests.providers.wire import openai_error_body, openai_text_events, openai_tool_events, sse

PATH = "/v1/responses"
PRICING = ToolSpec(
    name="get_product_pricing",
    description="Monthly premium for a product",
    parameters={
        "type": "object",
        "properties": {"product": {"type": "string"}, "has_spouse": {"type": "boolean"}},
        "required": ["product"],
    },
)
REQUEST = LLMRequest(system="You are Emma.", messages=(ChatMessage(role="user", content="Hi, who is this?"),))


def make(stub: StubHTTPServer, timeout_s: float = 5.0) -> OpenAILLM:
    return OpenAILLM("sk-test", "gpt-4.1-mini", timeout_s, base_url=stub.base_url + "/v1")


def ok(events: list[dict[str, object]]) -> Reply:
    return Reply(200, sse(events), content_type="text/event-stream")


async def collect(llm: OpenAILLM, request: LLMRequest = REQUEST) -> list[LLMEvent]:
    return [event async for event in llm.stream(request)]


async def test_streams_text_deltas_then_turn_done_with_usage(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(openai_text_events(["Hi! ", "This is Emma ", "from Gyde."], usage=(42, 7))))
    events = await collect(make(stub))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hi! ", "This is Emma ", "from Gyde."]
    assert events[-1] == TurnDone(finish_reason="stop", provider="openai", input_tokens=42, output_tokens=7)
    sent = stub.requests_to(PATH)[0]
    assert sent.headers["authorization"] == "Bearer sk-test"
    body = sent.json()
    assert body["model"] == "gpt-4.1-mini"
    assert body["instructions"] == "You are Emma."
    assert body["input"] == [{"role": "user", "content": "Hi, who is this?"}]
    assert body["stream"] is True and body["store"] is False
    assert body["max_output_tokens"] == 300
    assert body["temperature"] == 0.3
    assert "tools" not in body


async def test_reasoning_models_get_no_temperature(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(openai_text_events(["Hi."])))
    llm = OpenAILLM("sk-test", "gpt-5.4-mini", 5.0, base_url=stub.base_url + "/v1")
    await collect(llm)
    body = stub.requests_to(PATH)[0].json()
    assert body["model"] == "gpt-5.4-mini" and "temperature" not in body


async def test_tool_call_is_assembled_from_argument_deltas(stub: StubHTTPServer) -> None:
    parts = ['{"prod', 'uct": "den', 'tal", "has_sp', 'ouse": true}']
    stub.add("POST", PATH, ok(openai_tool_events("call_Xy12", "get_product_pricing", parts)))
    request = LLMRequest(system="s", messages=REQUEST.messages, tools=(PRICING,))
    events = await collect(make(stub), request)
    calls = [e for e in events if isinstance(e, ToolCallEvent)]
    assert calls == [
        ToolCallEvent(ToolCall("call_Xy12", "get_product_pricing", {"product": "dental", "has_spouse": True}))
    ]
    assert isinstance(events[-1], TurnDone) and events[-1].finish_reason == "tool_calls"
    tools = stub.requests_to(PATH)[0].json()["tools"]
    assert tools == [
        {
            "type": "function",
            "name": "get_product_pricing",
            "description": "Monthly premium for a product",
            "parameters": PRICING.parameters,
            "strict": False,
        }
    ]


async def test_history_with_tool_calls_and_results_maps_to_input_items(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(openai_text_events(["It is $31 a month."])))
    call = ToolCall("call_1", "get_product_pricing", {"product": "dental"})
    history = (
        ChatMessage(role="assistant", content="Hi, this is Emma."),
        ChatMessage(role="user", content="How much is dental?"),
        ChatMessage(role="assistant", content="", tool_calls=(call,)),
        ChatMessage(
            role="tool", content='{"monthly": 31}', tool_call_id="call_1", name="get_product_pricing"
        ),
    )
    await collect(make(stub), LLMRequest(system="s", messages=history, tools=(PRICING,)))
    assert stub.requests_to(PATH)[0].json()["input"] == [
        {"role": "assistant", "content": "Hi, this is Emma."},
        {"role": "user", "content": "How much is dental?"},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_product_pricing",
            "arguments": '{"product": "dental"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": '{"monthly": 31}'},
    ]


@pytest.mark.parametrize(("status", "reason"), [(429, "rate limited (429)"), (500, "server error (500)")])
async def test_http_errors_become_provider_errors_without_sdk_retries(
    stub: StubHTTPServer, status: int, reason: str
) -> None:
    stub.add("POST", PATH, json_reply(status, openai_error_body(status)), ok(openai_text_events(["unused"])))
    with pytest.raises(ProviderError) as info:
        await collect(make(stub))
    assert info.value.provider == "openai"
    assert reason in str(info.value)
    assert len(stub.requests_to(PATH)) == 1  # the chain, not the SDK, decides what happens next


async def test_bad_request_is_not_retryable(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, json_reply(400, openai_error_body(400)))
    with pytest.raises(ProviderError) as info:
        await collect(make(stub))
    assert info.value.retryable is False


async def test_no_response_within_timeout_is_a_provider_error(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, Reply(200, sse(openai_text_events(["late"])), "text/event-stream", delay_s=2.0))
    with pytest.raises(ProviderError, match="timeout"):
        await collect(make(stub, timeout_s=0.2))


async def test_malformed_event_data_is_a_provider_error(stub: StubHTTPServer) -> None:
    chunks = sse(openai_text_events(["Hello"]))[:3] + [
        b"event: response.output_text.delta\ndata: {not json\n\n"
    ]
    stub.add("POST", PATH, Reply(200, chunks, "text/event-stream"))
    with pytest.raises(ProviderError, match="malformed"):
        await collect(make(stub))


async def test_stream_cut_before_completed_is_a_provider_error(stub: StubHTTPServer) -> None:
    events = openai_text_events(["Hello ", "there"])
    stub.add("POST", PATH, Reply(200, sse(events[:-1]), "text/event-stream"))  # no response.completed
    with pytest.raises(ProviderError, match="ended before response.completed"):
        await collect(make(stub))


async def test_invalid_tool_arguments_are_a_provider_error(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(openai_tool_events("call_1", "end_call", ['{"reason": '])))
    with pytest.raises(ProviderError, match="invalid JSON arguments"):
        await collect(make(stub))


async def test_response_failed_event_is_a_provider_error(stub: StubHTTPServer) -> None:
    events = openai_text_events(["Hi"])
    failed = {**events[-1], "type": "response.failed"}
    failed["response"] = {
        **failed["response"],
        "status": "failed",
        "error": {"code": "server_error", "message": "x"},
    }
    stub.add("POST", PATH, ok(events[:2] + [failed]))
    with pytest.raises(ProviderError, match="response failed \\(server_error\\)"):
        await collect(make(stub))


async def test_missing_api_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="OpenAI API key"):
        OpenAILLM("", "gpt-4.1-mini", 5.0)


def test_wire_helper_is_real_json() -> None:
    assert json.loads(sse(openai_text_events(["a"]))[0].split(b"data: ", 1)[1])["type"] == "response.created"
