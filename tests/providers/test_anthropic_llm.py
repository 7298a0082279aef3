"""AnthropicLLM against a stub speaking the Messages API's SSE wire format."""

from __future__ import annotations

import pytest

from adapters.llm.anthropic_llm import CALL_CONNECTED, AnthropicLLM
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
from tests.providers.stub_http import Reply, StubHTTPServer, json_reply
from tests.providers.wire import anthropic_error_body, anthropic_text_events, anthropic_tool_events, sse

PATH = "/v1/messages"
SLOTS = ToolSpec(
    name="check_broker_availability",
    description="Free slots of the broker",
    parameters={"type": "object", "properties": {"broker_id": {"type": "string"}}, "required": ["broker_id"]},
)
REQUEST = LLMRequest(system="You are Emma.", messages=(ChatMessage(role="user", content="Who is calling?"),))


def make(stub: StubHTTPServer, timeout_s: float = 5.0) -> AnthropicLLM:
    return AnthropicLLM("sk-ant-test", "claude-sonnet-5-5", timeout_s, base_url=stub.base_url)


def ok(events: list[dict[str, object]]) -> Reply:
    return Reply(200, sse(events), content_type="text/event-stream")


async def collect(llm: AnthropicLLM, request: LLMRequest = REQUEST) -> list[LLMEvent]:
    return [event async for event in llm.stream(request)]


async def test_streams_text_and_reports_usage(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(anthropic_text_events(["This is ", "Emma from Gyde."], usage=(51, 9))))
    events = await collect(make(stub))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["This is ", "Emma from Gyde."]
    assert events[-1] == TurnDone("stop", "anthropic", 51, 9)
    sent = stub.requests_to(PATH)[0]
    assert sent.headers["authorization"] == "Bearer sk-ant-test"
    body = sent.json()
    assert body["model"] == "claude-sonnet-5-5"
    assert body["system"] == "You are Emma."
    assert body["stream"] is True
    assert body["max_tokens"] == 300
    assert body["thinking"] == {"type": "disabled"}
    assert "temperature" not in body
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Who is calling?"}]}]


async def test_tool_use_block_is_assembled_from_input_json_deltas(stub: StubHTTPServer) -> None:
    parts = ['{"broker', '_id": "br', '_42"}']
    stub.add(
        "POST",
        PATH,
        ok(anthropic_tool_events("Let me check.", "toolu_01A", "check_broker_availability", parts)),
    )
    request = LLMRequest(system="s", messages=REQUEST.messages, tools=(SLOTS,))
    events = await collect(make(stub), request)
    assert events[0] == TextDelta("Let me check.")
    assert events[1] == ToolCallEvent(
        ToolCall("toolu_01A", "check_broker_availability", {"broker_id": "br_42"})
    )
    assert isinstance(events[-1], TurnDone) and events[-1].finish_reason == "tool_calls"
    assert stub.requests_to(PATH)[0].json()["tools"] == [
        {
            "name": "check_broker_availability",
            "description": "Free slots of the broker",
            "input_schema": SLOTS.parameters,
        }
    ]


async def test_history_maps_to_tool_use_and_tool_result_blocks(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(anthropic_text_events(["Thursday at three works."])))
    call = ToolCall("toolu_01A", "check_broker_availability", {"broker_id": "br_42"})
    history = (
        ChatMessage(role="assistant", content="Hi, this is Emma from Gyde."),
        ChatMessage(role="user", content="When is my broker free?"),
        ChatMessage(role="assistant", content="Let me check.", tool_calls=(call,)),
        ChatMessage(role="tool", content='{"slots": ["Thu 15:00"]}', tool_call_id="toolu_01A"),
    )
    await collect(make(stub), LLMRequest(system="s", messages=history))
    assert stub.requests_to(PATH)[0].json()["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": CALL_CONNECTED}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Hi, this is Emma from Gyde."}]},
        {"role": "user", "content": [{"type": "text", "text": "When is my broker free?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool_use",
                    "id": "toolu_01A",
                    "name": "check_broker_availability",
                    "input": {"broker_id": "br_42"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": '{"slots": ["Thu 15:00"]}'}
            ],
        },
    ]


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "rate limited (429)"), (500, "server error (500)"), (529, "server error (529)")],
)
async def test_http_errors_become_provider_errors(stub: StubHTTPServer, status: int, reason: str) -> None:
    stub.add("POST", PATH, json_reply(status, anthropic_error_body(status)))
    with pytest.raises(ProviderError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        await collect(make(stub))
    assert len(stub.requests_to(PATH)) == 1


async def test_error_event_mid_stream_is_a_provider_error(stub: StubHTTPServer) -> None:
    events = anthropic_text_events(["Hel", "lo"])[:4]
    chunks = sse(events) + [
        b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n'
    ]
    stub.add("POST", PATH, Reply(200, chunks, "text/event-stream"))
    with pytest.raises(ProviderError) as info:
        await collect(make(stub))
    assert info.value.provider == "anthropic"


async def test_timeout_is_a_provider_error(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, Reply(200, sse(anthropic_text_events(["late"])), "text/event-stream", delay_s=2.0))
    with pytest.raises(ProviderError, match="timeout"):
        await collect(make(stub, timeout_s=0.2))


async def test_malformed_data_is_a_provider_error(stub: StubHTTPServer) -> None:
    chunks = sse(anthropic_text_events(["Hi"])[:2]) + [b"event: content_block_delta\ndata: {oops\n\n"]
    stub.add("POST", PATH, Reply(200, chunks, "text/event-stream"))
    with pytest.raises(ProviderError, match="malformed"):
        await collect(make(stub))


async def test_stream_without_message_stop_is_a_provider_error(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(anthropic_text_events(["Hi"])[:-1]))
    with pytest.raises(ProviderError, match="ended before message_stop"):
        await collect(make(stub))


async def test_thinking_blocks_are_not_spoken(stub: StubHTTPServer) -> None:
    events = anthropic_text_events(["Sure."])
    thinking = [
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "The caller..."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"},
        },
        {"type": "content_block_stop", "index": 0},
    ]
    renumbered = [{**e, "index": 1} if "index" in e else e for e in events[1:]]
    stub.add("POST", PATH, ok([events[0], *thinking, *renumbered]))
    out = await collect(make(stub))
    assert [e for e in out if isinstance(e, TextDelta)] == [TextDelta("Sure.")]
