"""OpenAI LLM adapter on the Responses API (openai SDK 3.x), streaming with function tools.

Why Responses and not Chat Completions: OpenAI recommends Responses for new projects, and its
stream has typed events (text deltas, function-call items with argument deltas, a final
`response.completed` with usage). Requests are sent with `store=False`: call content must not be
kept by the vendor.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

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
from adapters.llm.openai_common import make_openai_client, openai_error
from adapters.llm.tool_args import parse_arguments


def to_input_items(messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """Our history -> Responses `input` items: messages, function_call and function_call_output."""
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            if not message.tool_call_id:
                raise ValueError("a tool message needs tool_call_id")
            items.append(
                {"type": "function_call_output", "call_id": message.tool_call_id, "output": message.content}
            )
            continue
        if message.content:
            items.append({"role": message.role, "content": message.content})
        for call in message.tool_calls:
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.id,
                    "name": call.name,
                    "arguments": json.dumps(call.arguments),
                }
            )
    return items


def to_tools(tools: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
            "strict": False,
        }
        for tool in tools
    ]


@dataclass
class _PendingCall:
    call_id: str
    name: str
    arguments: list[str] = field(default_factory=list)


def accepts_temperature(model: str) -> bool:
    """GPT-4.x models take a sampling temperature; reasoning families (gpt-5+, o-series) reject it
    with a 400, and leaving it out is always accepted."""
    return model.startswith(("gpt-4", "gpt-3.5"))


class OpenAILLM:
    """LLMProvider for OpenAI; one AsyncOpenAI client (and its connection pool) per instance."""

    def __init__(
        self,
        api_key: str,
        model: str,
        timeout_s: float,
        base_url: str | None = None,
        name: str = "openai",
        send_temperature: bool | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.send_temperature = accepts_temperature(model) if send_temperature is None else send_temperature
        self._client = make_openai_client(api_key, timeout_s, base_url)

    async def stream(self, request: LLMRequest) -> AsyncIterator[LLMEvent]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "instructions": request.system,
            "input": to_input_items(request.messages),
            "max_output_tokens": request.max_tokens,
            "store": False,
            "stream": True,
        }
        if self.send_temperature:
            kwargs["temperature"] = request.temperature
        if request.tools:
            kwargs["tools"] = to_tools(request.tools)
        try:
            events = await self._client.responses.create(**kwargs)
            async for event in self._translate(events):
                yield event
        except ProviderError:
            raise
        except Exception as exc:
            raise openai_error(self.name, exc) from exc

    async def _translate(self, events: AsyncIterator[Any]) -> AsyncIterator[LLMEvent]:
        pending: dict[str, _PendingCall] = {}
        made_calls = False
        async for event in events:
            kind = getattr(event, "type", None)
            if kind == "response.output_text.delta":
                if event.delta:
                    yield TextDelta(event.delta)
            elif kind == "response.output_item.added" and event.item.type == "function_call":
                pending[event.item.id or event.item.call_id] = _PendingCall(
                    event.item.call_id, event.item.name
                )
            elif kind == "response.function_call_arguments.delta":
                call = pending.get(event.item_id)
                if call is None:
                    raise ProviderError(self.name, "arguments delta for an unknown function call")
                call.arguments.append(event.delta)
            elif kind == "response.output_item.done" and event.item.type == "function_call":
                key = event.item.id or event.item.call_id
                started = pending.pop(key, None)
                raw = event.item.arguments if event.item.arguments is not None else ""
                if not raw and started is not None:
                    raw = "".join(started.arguments)
                args = parse_arguments(self.name, event.item.name, raw)
                made_calls = True
                yield ToolCallEvent(ToolCall(id=event.item.call_id, name=event.item.name, arguments=args))
            elif kind == "response.completed":
                if pending:
                    raise ProviderError(self.name, "response completed with unfinished function calls")
                usage = event.response.usage
                yield TurnDone(
                    finish_reason="tool_calls" if made_calls else "stop",
                    provider=self.name,
                    input_tokens=usage.input_tokens if usage else 0,
                    output_tokens=usage.output_tokens if usage else 0,
                )
                return
            elif kind == "response.incomplete":
                details = event.response.incomplete_details
                reason = details.reason if details and details.reason else "incomplete"
                usage = event.response.usage
                yield TurnDone(
                    finish_reason="length" if reason == "max_output_tokens" else reason,
                    provider=self.name,
                    input_tokens=usage.input_tokens if usage else 0,
                    output_tokens=usage.output_tokens if usage else 0,
                )
                return
            elif kind == "response.failed":
                error = event.response.error
                code = error.code if error and error.code else "unknown"
                raise ProviderError(self.name, f"response failed ({code})")
            elif kind == "error":
                raise ProviderError(self.name, f"stream error ({event.code or 'unknown'})")
        raise ProviderError(self.name, "stream ended before response.completed")
