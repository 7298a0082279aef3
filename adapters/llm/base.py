"""One provider-neutral streaming turn: messages and tools in, text deltas and tool calls out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from adapters.provider_error import ProviderError

__all__ = [
    "ChatMessage",
    "LLMEvent",
    "LLMProvider",
    "LLMRequest",
    "ProviderError",
    "TextDelta",
    "ToolCall",
    "ToolCallEvent",
    "ToolSpec",
    "TurnDone",
]


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call; `parameters` is a JSON schema object."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["user", "assistant", "tool"]
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class LLMRequest:
    system: str
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 300
    temperature: float = 0.3
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallEvent:
    call: ToolCall


@dataclass(frozen=True)
class TurnDone:
    finish_reason: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0


LLMEvent = TextDelta | ToolCallEvent | TurnDone


class LLMProvider(Protocol):
    name: str

    def stream(self, request: LLMRequest) -> AsyncIterator[LLMEvent]:
        """Yield deltas and tool calls, ending with one TurnDone; raise ProviderError on failure."""
        ...
