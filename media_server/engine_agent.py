"""Adapter from the conversation engine (conversation/engine.py) to the media server's Agent protocol.

The engine already streams speech-ready sentences and cuts its history on barge-in; this only maps
names, and gives the caller's hang-up to the engine so it reports its best-known result.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from domain.call_control import CallControl
from media_server.agent import CallContext


class _Engine(Protocol):
    """The slice of conversation.engine.ConversationEngine used here."""

    def stream_start(self) -> AsyncIterator[str]: ...

    def stream_turn(self, caller_text: str) -> AsyncIterator[str]: ...

    def stream_silence(self) -> AsyncIterator[str]: ...

    def heard(self, spoken_prefix: str) -> None: ...

    async def hangup(self) -> object: ...

    @property
    def ended(self) -> bool: ...


# The engine's pending question (conversation.state.Pending values) -> the answer it waits for.
_EXPECTED = {
    "identity_confirm": "yes_no",
    "verify": "name_dob",
    "present": "yes_no",
    "booking_confirm": "yes_no",
    "callback_confirm": "yes_no",
    "callback_time": "time",
    "slot_choice": "time",
    "wrong_person_time": "time",
}


class EngineAgent:
    """Implements media_server.agent.Agent over one ConversationEngine (one call)."""

    def __init__(self, engine: _Engine) -> None:
        self.engine = engine

    def greet(self) -> AsyncIterator[str]:
        return self.engine.stream_start()

    def respond(self, caller_text: str) -> AsyncIterator[str]:
        return self.engine.stream_turn(caller_text)

    def on_heard(self, text_heard: str) -> None:
        self.engine.heard(text_heard)

    def on_silence(self) -> AsyncIterator[str]:
        return self.engine.stream_silence()

    def expected_answer(self) -> str | None:
        """What the engine's open question asks for (turn-taking waits longer for a date)."""
        pending = getattr(getattr(self.engine, "state", None), "pending", None)
        return _EXPECTED.get(str(getattr(pending, "value", pending) or ""))

    @property
    def last_provider(self) -> str:
        result = getattr(self.engine, "last_result", None)
        return str(getattr(result, "provider", "") or "")

    async def hangup(self) -> None:
        """The caller hung up or the stream died: the engine ends the call with what it knows."""
        if not self.engine.ended:
            await self.engine.hangup()


BuildEngine = Callable[[CallContext, CallControl], Awaitable[_Engine]]


class EngineAgentFactory:
    """`agent_factory` for SessionServices. `build_engine(ctx, control)` loads what the ai_agent
    role may read for `ctx.workflow_id` (conversation/context.py) and returns a ConversationEngine
    using `control` as its CallControl; it runs once per call, before the greeting."""

    def __init__(self, build_engine: BuildEngine) -> None:
        self._build = build_engine

    async def __call__(self, ctx: CallContext, control: CallControl) -> EngineAgent:
        engine = await self._build(ctx, control)
        record_version = getattr(control, "set_prompt_version", None)
        version = getattr(engine, "prompt_version", None)
        if record_version is not None and isinstance(version, str):
            record_version(version)
        return EngineAgent(engine)
