"""The local model tier (ChatCompletionsLLM) against a stub speaking the Chat Completions SSE wire
format of Ollama / vLLM / llama.cpp, alone and as the third tier before the rule policy."""

from __future__ import annotations

import pytest

from adapters.llm.anthropic_llm import AnthropicLLM
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
from adapters.llm.chat_completions_llm import ChatCompletionsLLM
from adapters.llm.fallback import LLMFallbackChain
from adapters.llm.openai_llm import OpenAILLM
from tests.providers.conftest import FakeClock
from tests.providers.local import EchoLLM
from tests.providers.stub_http import Reply, StubHTTPServer, json_reply
from tests.providers.wire import anthropic_error_body, openai_error_body
from tests.providers.wire_chat import MODEL, chat_error_body, chat_sse, chat_text_chunks, chat_tool_chunks

PATH = "/v1/chat/completions"
PRICING = ToolSpec(
    name="get_product_pricing",
    description="Monthly premium for a product",
    parameters={"type": "object", "properties": {"product": {"type": "string"}}, "required": ["product"]},
)
REQUEST = LLMRequest(system="You are Emma.", messages=(ChatMessage(role="user", content="Who is this?"),))


def make(stub: StubHTTPServer, timeout_s: float = 5.0, api_key: str = "") -> ChatCompletionsLLM:
    return ChatCompletionsLLM(stub.base_url + "/v1", MODEL, timeout_s, api_key=api_key)


def ok(chunks: list[dict[str, object]], **kwargs: object) -> Reply:
    return Reply(200, chat_sse(chunks), "text/event-stream", **kwargs)  # type: ignore[arg-type]


async def collect(llm: object, request: LLMRequest = REQUEST) -> list[LLMEvent]:
    return [event async for event in llm.stream(request)]  # type: ignore[attr-defined]


async def test_streams_text_then_turn_done_with_usage(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(chat_text_chunks(["Hi! ", "This is Emma."], usage=(61, 8))))
    events = await collect(make(stub))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hi! ", "This is Emma."]
    assert events[-1] == TurnDone("stop", "llama", input_tokens=61, output_tokens=8)
    sent = stub.requests_to(PATH)[0]
    assert sent.headers["authorization"] == "Bearer local"  # a placeholder: local servers ignore it
    body = sent.json()
    assert body["model"] == MODEL and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [
        {"role": "system", "content": "You are Emma."},
        {"role": "user", "content": "Who is this?"},
    ]
    assert body["max_tokens"] == 300 and body["temperature"] == 0.3 and "tools" not in body


async def test_tool_call_fragments_are_assembled_and_history_maps_to_messages(stub: StubHTTPServer) -> None:
    parts = ['{"pro', 'duct": "den', 'tal"}']
    stub.add("POST", PATH, ok(chat_tool_chunks("call_9", "get_product_pricing", parts)))
    earlier = ToolCall("call_1", "get_product_pricing", {"product": "vision"})
    history = (
        ChatMessage(role="user", content="And vision?"),
        ChatMessage(role="assistant", content="", tool_calls=(earlier,)),
        ChatMessage(role="tool", content='{"monthly": 12}', tool_call_id="call_1"),
    )
    events = await collect(make(stub, api_key="vllm-key"), LLMRequest("s", history, tools=(PRICING,)))
    assert [e for e in events if isinstance(e, ToolCallEvent)] == [
        ToolCallEvent(ToolCall("call_9", "get_product_pricing", {"product": "dental"}))
    ]
    assert isinstance(events[-1], TurnDone) and events[-1].finish_reason == "tool_calls"
    sent = stub.requests_to(PATH)[0]
    assert sent.headers["authorization"] == "Bearer vllm-key"
    body = sent.json()
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_product_pricing",
                "description": PRICING.description,
                "parameters": PRICING.parameters,
            },
        }
    ]
    assert body["messages"][1:] == [
        {"role": "user", "content": "And vision?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_product_pricing", "arguments": '{"product": "vision"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"monthly": 12}'},
    ]


@pytest.mark.parametrize(
    ("status", "reason", "retryable"),
    [(429, "rate limited (429)", True), (503, "server error (503)", True), (404, "rejected (404)", False)],
)
async def test_http_errors_become_provider_errors(
    stub: StubHTTPServer, status: int, reason: str, retryable: bool
) -> None:
    stub.add("POST", PATH, json_reply(status, chat_error_body(status)), ok(chat_text_chunks(["unused"])))
    with pytest.raises(ProviderError) as info:
        await collect(make(stub))
    assert info.value.provider == "llama" and reason in str(info.value)
    assert info.value.retryable is retryable
    assert len(stub.requests_to(PATH)) == 1  # no SDK retries: the chain decides


async def test_stream_without_finish_reason_is_a_provider_error(stub: StubHTTPServer) -> None:
    chunks = chat_text_chunks(["Hello"])[:2]  # the server died before finishing
    stub.add("POST", PATH, Reply(200, chat_sse(chunks, done=False), "text/event-stream"))
    with pytest.raises(ProviderError, match="without a finish_reason"):
        await collect(make(stub))


async def test_invalid_tool_arguments_are_a_provider_error(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(chat_tool_chunks("call_1", "end_call", ['{"reason": '])))
    with pytest.raises(ProviderError, match="invalid JSON arguments"):
        await collect(make(stub))


async def test_a_slow_model_is_a_timeout(stub: StubHTTPServer) -> None:
    stub.add("POST", PATH, ok(chat_text_chunks(["late"]), delay_s=2.0))
    with pytest.raises(ProviderError, match="timeout"):
        await collect(make(stub, timeout_s=0.2))


def test_base_url_and_model_are_required() -> None:
    with pytest.raises(ValueError, match="GYDE_LOCAL_LLM_BASE_URL"):
        ChatCompletionsLLM("", MODEL, 5.0)
    with pytest.raises(ValueError, match="GYDE_LOCAL_LLM_MODEL"):
        ChatCompletionsLLM("http://127.0.0.1:11434/v1", "", 5.0)


async def test_chain_reaches_the_local_model_before_the_rule_policy_in_the_same_turn(
    stub: StubHTTPServer, clock: FakeClock
) -> None:
    stub.add("POST", "/v1/responses", json_reply(500, openai_error_body(500)))
    stub.add("POST", "/v1/messages", json_reply(529, anthropic_error_body(529)))
    stub.add("POST", PATH, ok(chat_text_chunks(["This is Emma, ", "from Gyde."])))
    echo = EchoLLM()
    providers = [
        OpenAILLM("sk-test", "gpt-4.1-mini", 5.0, base_url=stub.base_url + "/v1"),
        AnthropicLLM("sk-ant", "claude-sonnet-5-5", 5.0, base_url=stub.base_url),
        make(stub),
        echo,
    ]
    chain = LLMFallbackChain(providers, 2.0, clock=clock)  # type: ignore[arg-type]
    events = await collect(chain)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "This is Emma, from Gyde."
    assert chain.last_provider == "llama" and echo.turns == 0
    assert [(a.provider, a.error) for a in chain.last_turn.attempts] == [
        ("openai", "server error (500)"),
        ("anthropic", "server error (529)"),
        ("llama", None),
    ]
    # the local model rate-limited too (one GPU, busy): the rule policy still answers the turn
    stub.add("POST", "/v1/responses", json_reply(500, openai_error_body(500)))
    stub.add("POST", "/v1/messages", json_reply(529, anthropic_error_body(529)))
    stub.add("POST", PATH, json_reply(429, chat_error_body(429)))
    events = await collect(chain)
    assert chain.last_provider == "echo" and events[-1] == TurnDone("stop", "echo")
