"""A model on the operator's own hardware (Ollama, vLLM, a llama.cpp server) through the
OpenAI-compatible Chat Completions API, streaming with function tools.

Why Chat Completions and not Responses: it is the one API every local server implements
(`/v1/chat/completions` with `stream=true` and `tools`); Responses is OpenAI's own. The openai SDK
is the client, so transport, SSE decoding and errors are the same as for the OpenAI tier. Tool
call arguments arrive as fragments keyed by `index` and are assembled before the TurnDone.
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

NO_KEY = "local"  # Ollama and llama.cpp ignore the key; the SDK insists on one


def to_chat_messages(system: str, messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """Our history -> Chat Completions messages (system, user, assistant with tool_calls, tool)."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        if message.role == "tool":
            if not message.tool_call_id:
                raise ValueError("a tool message needs tool_call_id")
            out.append({"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content})
            continue
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            item["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in message.tool_calls
            ]
        out.append(item)
    return out


def to_tools(tools: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


@dataclass
class _Call:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChatCompletionsLLM:
    """LLMProvider for any OpenAI-compatible Chat Completions server (`base_url` ends in /v1)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        timeout_s: float,
        api_key: str = "",
        name: str = "llama",
    ) -> None:
        if not base_url:
            raise ValueError("a base URL is required for the local model (GYDE_LOCAL_LLM_BASE_URL)")
        if not model:
            raise ValueError("a model name is required for the local model (GYDE_LOCAL_LLM_MODEL)")
        self.name = name
        self.model = model
        self.base_url = base_url
        self._client = make_openai_client(api_key or NO_KEY, timeout_s, base_url)

    async def stream(self, request: LLMRequest) -> AsyncIterator[LLMEvent]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": to_chat_messages(request.system, request.messages),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.tools:
            kwargs["tools"] = to_tools(request.tools)
        try:
            chunks = await self._client.chat.completions.create(**kwargs)
            async for event in self._translate(chunks):
                yield event
        except ProviderError:
            raise
        except Exception as exc:
            raise openai_error(self.name, exc) from exc

    async def _translate(self, chunks: AsyncIterator[Any]) -> AsyncIterator[LLMEvent]:
        calls: dict[int, _Call] = {}
        finish: str | None = None
        usage = (0, 0)
        async for chunk in chunks:
            if chunk.usage is not None:
                usage = (chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
            for choice in chunk.choices or ():
                delta = choice.delta
                if delta is not None and delta.content:
                    yield TextDelta(delta.content)
                for part in (delta.tool_calls if delta is not None else None) or ():
                    call = calls.setdefault(part.index, _Call())
                    call.id = part.id or call.id
                    if part.function is not None:
                        call.name = part.function.name or call.name
                        if part.function.arguments:
                            call.arguments.append(part.function.arguments)
                if choice.finish_reason:
                    finish = choice.finish_reason
        if finish is None:
            raise ProviderError(self.name, "stream ended without a finish_reason")
        for index in sorted(calls):
            call = calls[index]
            if not call.name:
                raise ProviderError(self.name, "tool call without a function name")
            args = parse_arguments(self.name, call.name, "".join(call.arguments))
            yield ToolCallEvent(ToolCall(id=call.id or f"call_{index}", name=call.name, arguments=args))
        reason = "tool_calls" if calls else ("length" if finish == "length" else "stop")
        yield TurnDone(reason, self.name, input_tokens=usage[0], output_tokens=usage[1])
