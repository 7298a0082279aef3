"""Anthropic LLM adapter on the Messages API (anthropic SDK 2.x), streaming with tools.

Why raw stream events: `messages.create(stream=True)` yields the wire events one to one
(`content_block_start` for text or `tool_use`, `text_delta` / `input_json_delta` deltas,
`content_block_stop`, `message_delta` with the stop reason, `message_stop`), which map directly
onto our TextDelta / ToolCallEvent / TurnDone without buffering the reply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic

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
from adapters.llm.sdk_errors import sdk_error
from adapters.llm.tool_args import parse_arguments

CALL_CONNECTED = "(The call has connected.)"
# A caller is waiting on the line: no extended thinking (it costs seconds). None omits the field
# for models where thinking cannot be turned off; thinking blocks in a stream are ignored anyway.
NO_THINKING: dict[str, Any] = {"type": "disabled"}
_STOP_REASONS = {
    "end_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "stop_sequence": "stop",
}


def to_messages(messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """Our history -> Anthropic messages: tool calls as tool_use blocks, results as tool_result blocks
    in a user message; consecutive same-role messages merged; a leading assistant turn (Emma speaks
    first on an outbound call) is preceded by a neutral user turn."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks: list[dict[str, Any]] = []
        if message.role == "tool":
            if not message.tool_call_id:
                raise ValueError("a tool message needs tool_call_id")
            blocks.append(
                {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content}
            )
        else:
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            for call in message.tool_calls:
                blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    if out and out[0]["role"] == "assistant":
        out.insert(0, {"role": "user", "content": [{"type": "text", "text": CALL_CONNECTED}]})
    return out


def to_tools(tools: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    return [{"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools]


def anthropic_error(provider: str, exc: BaseException) -> ProviderError:
    return sdk_error(provider, exc, anthropic)


@dataclass
class _ToolBlock:
    id: str
    name: str
    json_parts: list[str] = field(default_factory=list)


class AnthropicLLM:
    """LLMProvider for Anthropic; SDK retries are off (the fallback chain decides what comes next)."""

    def __init__(
        self,
        api_key: str,
        model: str,
        timeout_s: float,
        base_url: str | None = None,
        name: str = "anthropic",
        thinking: dict[str, Any] | None = NO_THINKING,
    ) -> None:
        if not api_key:
            raise ValueError("an Anthropic API key is required (GYDE_ANTHROPIC_API_KEY)")
        self.name = name
        self.model = model
        self.thinking = thinking
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0
        )

    async def stream(self, request: LLMRequest) -> AsyncIterator[LLMEvent]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": request.system,
            "messages": to_messages(request.messages),
            "stream": True,
        }
        if request.tools:
            kwargs["tools"] = to_tools(request.tools)
        if self.thinking is not None:
            kwargs["thinking"] = self.thinking
        try:
            events = await self._client.messages.create(**kwargs)
            async for event in self._translate(events):
                yield event
        except ProviderError:
            raise
        except Exception as exc:
            raise anthropic_error(self.name, exc) from exc

    async def _translate(self, events: AsyncIterator[Any]) -> AsyncIterator[LLMEvent]:
        tools: dict[int, _ToolBlock] = {}
        input_tokens = output_tokens = 0
        stop_reason: str | None = None
        async for event in events:
            kind = getattr(event, "type", None)
            if kind == "message_start":
                usage = event.message.usage
                input_tokens = usage.input_tokens if usage else 0
            elif kind == "content_block_start":
                block = event.content_block
                if block.type == "tool_use":
                    tools[event.index] = _ToolBlock(block.id, block.name)
                elif block.type == "text" and block.text:
                    yield TextDelta(block.text)
            elif kind == "content_block_delta":
                delta = event.delta
                if delta.type == "text_delta":
                    if delta.text:
                        yield TextDelta(delta.text)
                elif delta.type == "input_json_delta":
                    tool = tools.get(event.index)
                    if tool is None:
                        raise ProviderError(self.name, "input_json_delta for a block that is not tool_use")
                    tool.json_parts.append(delta.partial_json)
            elif kind == "content_block_stop":
                tool = tools.pop(event.index, None)
                if tool is not None:
                    args = parse_arguments(self.name, tool.name, "".join(tool.json_parts))
                    yield ToolCallEvent(ToolCall(id=tool.id, name=tool.name, arguments=args))
            elif kind == "message_delta":
                stop_reason = event.delta.stop_reason
                if event.usage is not None:
                    output_tokens = event.usage.output_tokens
            elif kind == "message_stop":
                if tools:
                    raise ProviderError(self.name, "message stopped with an unfinished tool_use block")
                reason = _STOP_REASONS.get(stop_reason or "end_turn", stop_reason or "stop")
                yield TurnDone(reason, self.name, input_tokens, output_tokens)
                return
        raise ProviderError(self.name, "stream ended before message_stop")
