"""What the media server needs from "the agent": sentences out for caller text in, and being told
what the caller actually heard when a reply was interrupted.

Kept as a small protocol of our own so the audio loop does not depend on the conversation engine's
internals; `media_server/engine_agent.py` adapts the real engine to it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from domain.call_control import CallControl


@dataclass(frozen=True)
class CallContext:
    """Ids only: who this stream belongs to (from the verified stream token and Twilio's start)."""

    workflow_id: str
    call_sid: str
    stream_sid: str


class Agent(Protocol):
    def greet(self) -> AsyncIterator[str]:
        """The agent's opening sentences (an outbound call: the agent speaks first)."""
        ...

    def respond(self, caller_text: str) -> AsyncIterator[str]:
        """Sentences of the reply to one caller turn, yielded as soon as each is complete."""
        ...

    def on_heard(self, text_heard: str) -> None:
        """The last reply was interrupted: only `text_heard` reached the caller; cut history to it."""
        ...


class SilenceAware(Protocol):
    """Optional: an agent that can re-prompt a caller who has gone quiet (ConversationEngine does;
    an agent without it simply waits, and the call ends on the caller's or the line's side)."""

    def on_silence(self) -> AsyncIterator[str]:
        """Sentences to say after the configured silence; may end the call after a few."""
        ...


class Uninterruptible(str):
    """A sentence the caller cannot talk over (a required disclosure): yield it instead of a plain
    str and the media server plays it through any speech; the caller's words over it are dropped."""

    interruptible = False


class AnswerAware(Protocol):
    """Optional: an agent that knows what kind of answer its last question asks for, one of
    media_server.endpointing.AnswerKind's values ("yes_no", "date", "name_dob", "phone", "time",
    "any"). Without it the media server reads Emma's last question itself."""

    def expected_answer(self) -> str | None: ...


AgentFactory = Callable[[CallContext, CallControl], Agent | Awaitable[Agent]]
"""Builds the agent of one call; may be async (loading the client's context takes a query)."""

_WORDS = re.compile(r"\S+")


class EchoAgent:
    """A trivial agent for the benchmark and tests: costs nothing, answers every turn."""

    def __init__(self, greeting: tuple[str, ...] = ("Hello, this is Emma.",)) -> None:
        self._greeting = greeting
        self.history: list[tuple[str, str]] = []  # (role, text), agent turns cut to what was heard
        self.last_provider = "echo"

    async def greet(self) -> AsyncIterator[str]:
        self.history.append(("agent", " ".join(self._greeting)))
        for sentence in self._greeting:
            yield sentence

    async def respond(self, caller_text: str) -> AsyncIterator[str]:
        self.history.append(("caller", caller_text))
        words = len(_WORDS.findall(caller_text))
        sentences = (f"Thanks, I heard {words} words.", "Anything else?")
        self.history.append(("agent", " ".join(sentences)))
        for sentence in sentences:
            yield sentence

    def on_heard(self, text_heard: str) -> None:
        if self.history and self.history[-1][0] == "agent":
            self.history[-1] = ("agent", text_heard)


def echo_agent_factory(ctx: CallContext, control: CallControl) -> Agent:
    return EchoAgent()
