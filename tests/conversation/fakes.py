"""Test doubles that are not remote services: a scripted LLMProvider and session builders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

from adapters.llm.base import (
    LLMEvent,
    LLMRequest,
    ProviderError,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    TurnDone,
)
from conversation.context import ClientRecord
from conversation.personas import SIM_CLIENT, SIM_NOW
from conversation.prompts import PromptCatalog
from conversation.session import TextSession, build_text_session

Script = Callable[[LLMRequest], Sequence[LLMEvent]]


def text(*parts: str, provider: str = "scripted") -> list[LLMEvent]:
    return [*(TextDelta(p) for p in parts), TurnDone("stop", provider)]


def tool(name: str, call_id: str = "call-1", **arguments: object) -> list[LLMEvent]:
    return [ToolCallEvent(ToolCall(call_id, name, dict(arguments))), TurnDone("tool_calls", "scripted")]


class ScriptedLLM:
    """Implements LLMProvider: replies from a list of event batches (one per request) and
    records every request it was sent."""

    name = "scripted"

    def __init__(self, batches: Sequence[Sequence[LLMEvent]] = (), *, fail: bool = False) -> None:
        self.batches = list(batches)
        self.requests: list[LLMRequest] = []
        self.fail = fail
        self.gate: asyncio.Event | None = None  # when set, the last event waits for it

    async def stream(self, request: LLMRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        if self.fail:
            raise ProviderError(self.name, "HTTP 503")
        batch = self.batches.pop(0) if self.batches else text("Okay.")
        for index, event in enumerate(batch):
            if self.gate is not None and index == len(batch) - 1:
                await self.gate.wait()
            yield event


def session(
    record: ClientRecord = SIM_CLIENT,
    *,
    llm: ScriptedLLM | None = None,
    now: datetime = SIM_NOW,
    broker_available_now: bool = False,
) -> TextSession:
    prompt = PromptCatalog.load().get("v1") if llm else None
    record = record.model_copy(update={"broker_available_now": broker_available_now})
    return build_text_session(record, llm=llm, prompt=prompt, clock=lambda: now)


async def verified(s: TextSession) -> None:
    """Walk a session through greeting and identity verification."""
    await s.engine.start()
    await s.engine.turn("Yes, speaking.")
    result = await s.engine.turn("Maria Lopez, March 4th, 1961.")
    assert s.engine.state.verified, result.reply_text


__all__ = ["SIM_NOW", "UTC", "ScriptedLLM", "session", "text", "tool", "verified"]
