"""The turn engine: caller words in, Emma's words (sentence by sentence), stage and actions out.

With an LLMProvider it runs the tool loop (model -> tool calls -> results -> model) from the
moment identity is verified; greeting, identity verification and opt-out are always handled by
the local deterministic policy, so the model never needs (or sees) the data verification compares
against, and a "stop calling" is honoured without waiting on a model. Without a provider, or when
the provider fails, the local policy answers. Every sentence passes the guardrails before it is
yielded, and the history keeps only what was actually said.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from adapters.llm.base import (
    ChatMessage,
    LLMProvider,
    LLMRequest,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    TurnDone,
)
from conversation.agent_data import AgentDataPort, Clock, utc_now
from conversation.context import AgentContext, IdentityVerifier
from conversation.guardrails import Guardrails
from conversation.policy import LocalPolicy
from conversation.prompts import PromptVersion
from conversation.safety import disclosure_for, redact_ssn, screen
from conversation.speech_text import SentenceStream, split_sentences, to_speech
from conversation.state import Action, BlockedUtterance, CallState, Pending
from conversation.tools import TOOL_SPECS, ToolBox
from domain.call_control import CallControl
from domain.enums import CallResult, Stage
from domain.messages import CallingWindow

logger = logging.getLogger(__name__)

REDACTED_IDENTITY = "[caller's words before identity verification are withheld]"
_LOCAL_PENDING = frozenset({Pending.IDENTITY_CONFIRM, Pending.VERIFY, Pending.WRONG_PERSON_TIME})
MAX_SILENCE_PROMPTS = 2  # "are you still there?" this many times, then say goodbye
STILL_THERE = "Are you still there?"
SILENT_GOODBYE = (
    "I'm not hearing anything, so I'll let you go for now. We'll try you again another time. Goodbye."
)


@dataclass(frozen=True)
class TurnResult:
    reply_text: str
    stage: Stage
    actions: tuple[Action, ...]
    blocked: tuple[BlockedUtterance, ...]
    ended: bool = False
    outcome: CallResult | None = None
    provider: str = "local"


class ConversationEngine:
    """One call's conversation. Not thread-safe; one turn at a time."""

    def __init__(
        self,
        context: AgentContext,
        identity: IdentityVerifier,
        control: CallControl,
        data: AgentDataPort,
        *,
        llm: LLMProvider | None = None,
        prompt: PromptVersion | None = None,
        clock: Clock = utc_now,
        window: CallingWindow | None = None,
        max_tool_rounds: int = 4,
    ) -> None:
        if llm is not None and prompt is None:
            raise ValueError("an LLM provider needs a prompt version")
        self.context = context
        self.state = CallState()
        self.control = control
        self.llm = llm
        self.prompt = prompt
        self.clock = clock
        self.tools = ToolBox(context, self.state, data, control, clock, window)
        self.policy = LocalPolicy(context, identity, self.tools, clock)
        self.guard = Guardrails(context, window)
        self.history: list[ChatMessage] = []
        self.max_tool_rounds = max_tool_rounds
        self.providers_used: list[str] = []
        self.last_result: TurnResult | None = None
        self._provider = "local"
        self._said_this_turn: list[str] = []
        self._silences = 0  # unanswered silence prompts in a row

    # --- public API -------------------------------------------------------------------------

    @property
    def stage(self) -> Stage:
        return self.state.machine.stage

    @property
    def ended(self) -> bool:
        return self.state.ended

    @property
    def prompt_version(self) -> str:
        """Recorded for every call (CallEnded.prompt_version); 'local' when no model prompt is used."""
        return self.prompt.version if self.prompt else "local"

    async def start(self) -> TurnResult:
        """Emma's opening line (nothing private in it)."""
        return await self._collect(self.stream_start())

    async def stream_start(self) -> AsyncIterator[str]:
        marks = self._marks()
        self._provider = "local"
        async for sentence in self._speak_text(self.policy.opening()):
            yield sentence
        self._finish_turn(marks)

    async def turn(self, caller_text: str) -> TurnResult:
        return await self._collect(self.stream_turn(caller_text))

    async def stream_turn(self, caller_text: str) -> AsyncIterator[str]:
        """Yield speech-ready sentences as soon as each is complete; then `last_result` is set."""
        marks = self._marks()
        text = caller_text.strip()
        if self.state.ended:
            self._finish_turn(marks)
            return
        if not text:
            text = "..."
        self._silences = 0
        nets = screen(text, self.context)
        self._remember_caller(text)
        self.state.last_caller_text = text
        self._provider = "local"
        if nets.opt_out:  # the opt-out net: honoured in this turn, no model consulted
            async for sentence in self._speak_text(await self.policy.opt_out()):
                yield sentence
            await self._close_if_terminal()
            self._finish_turn(marks)
            return
        if nets.disclosure:  # asked if she is a person: she says she is an AI, in this turn
            self.state.disclosed = True
            async for sentence in self._speak_text(
                disclosure_for(self.context, spanish=nets.spanish or self.state.spanish)
            ):
                yield sentence
        use_model = self.llm is not None and self.state.verified and self.state.pending not in _LOCAL_PENDING
        if use_model:
            try:
                async for sentence in self._model_turn():
                    yield sentence
                await self._close_if_terminal()
                self._finish_turn(marks)
                return
            except Exception as exc:  # the chain is exhausted or broke: the local policy answers
                logger.warning("LLM turn failed, local policy answers: %s", type(exc).__name__)
        self._provider = "local"
        reply = await self.policy.respond(text, disclosed=nets.disclosure)
        async for sentence in self._speak_text(reply):
            yield sentence
        await self._close_if_terminal()
        self._finish_turn(marks)

    async def stream_silence(self) -> AsyncIterator[str]:
        """The caller said nothing after Emma's turn (the line may have dropped a word either way):
        ask again with her last question; after MAX_SILENCE_PROMPTS unanswered prompts, say goodbye
        and end the call as dropped, so the workflow retries later instead of holding a dead line."""
        marks = self._marks()
        if self.state.ended:
            self._finish_turn(marks)
            return
        self._silences += 1
        self._provider = "local"
        if self._silences > MAX_SILENCE_PROMPTS:
            async for sentence in self._speak_text(SILENT_GOODBYE):
                yield sentence
            await self.tools.call("end_call", {"reason": CallResult.DROPPED.value})
        else:
            question = self._last_question()
            text = STILL_THERE if not question or question == STILL_THERE else f"{STILL_THERE} {question}"
            async for sentence in self._speak_text(text):
                yield sentence
        self._finish_turn(marks)

    def _last_question(self) -> str:
        """The last question Emma asked (what the caller is expected to answer), or ''."""
        for message in reversed(self.history):
            if message.role == "assistant" and message.content:
                questions = [s for s in split_sentences(message.content) if s.rstrip().endswith("?")]
                return questions[-1] if questions else ""
            if message.role == "user":
                return ""
        return ""

    async def hangup(self) -> TurnResult:
        """The caller hung up (or the chat ended): close with the best-known result."""
        marks = self._marks()
        if not self.state.ended:
            result = self.state.outcome or CallResult.DROPPED
            ok, _ = await self.tools.call("end_call", {"reason": result.value})
            if not ok:
                await self.tools.call("end_call", {"reason": CallResult.DROPPED.value})
        self._finish_turn(marks)
        assert self.last_result is not None
        return self.last_result

    def heard(self, spoken_prefix: str) -> None:
        """Barge-in: cut Emma's last message to what the caller actually heard."""
        for index in range(len(self.history) - 1, -1, -1):
            message = self.history[index]
            if message.role == "assistant" and message.content:
                self.history[index] = ChatMessage(
                    role="assistant", content=spoken_prefix.strip(), tool_calls=message.tool_calls
                )
                return

    # --- internals --------------------------------------------------------------------------

    def _marks(self) -> tuple[int, int]:
        self._said_this_turn = []
        return len(self.state.actions), len(self.state.blocked)

    async def _collect(self, stream: AsyncIterator[str]) -> TurnResult:
        async for _ in stream:
            pass
        assert self.last_result is not None
        return self.last_result

    def _finish_turn(self, marks: tuple[int, int]) -> None:
        actions_start, blocked_start = marks
        said = self._said_this_turn
        self._said_this_turn = []
        self.providers_used.append(self._provider)
        self.state.last_emma_text = " ".join(said)  # what the caller answers next turn
        self.last_result = TurnResult(
            reply_text=" ".join(said),
            stage=self.state.machine.stage,
            actions=tuple(self.state.actions[actions_start:]),
            blocked=tuple(self.state.blocked[blocked_start:]),
            ended=self.state.ended,
            outcome=self.state.outcome if self.state.ended else None,
            provider=self._provider,
        )

    def _remember_caller(self, text: str) -> None:
        """Before verification the caller says who they are (name, date of birth): those words
        never reach the model, which only takes over after verification anyway."""
        content = redact_ssn(text) if self.state.verified else REDACTED_IDENTITY
        self.history.append(ChatMessage(role="user", content=content))

    def _checked(self, sentence: str) -> str:
        """Guardrails, then text for the ear. A blocked sentence is replaced and counted."""
        verdict = self.guard.check(sentence, self.state)
        if verdict.ok:
            return to_speech(sentence)
        replacement = self.guard.safe_replacement(self.state, verdict.reasons)
        self.state.blocked.append(BlockedUtterance(sentence, verdict.reasons, replacement))
        logger.info("guardrail blocked an utterance: %s", ",".join(verdict.reasons))
        return to_speech(replacement)

    async def _speak_text(self, text: str) -> AsyncIterator[str]:
        said: list[str] = []
        for sentence in split_sentences(text):
            checked = self._checked(sentence)
            if said and said[-1] == checked:
                continue
            said.append(checked)
            self._said_this_turn = [*self._said_this_turn, checked]
            yield checked
        self.history.append(ChatMessage(role="assistant", content=" ".join(said)))

    def _system_prompt(self) -> str:
        assert self.prompt is not None
        return self.prompt.render(
            self.context, verified=self.state.verified, stage=self.state.machine.stage, now=self.clock()
        )

    async def _model_turn(self) -> AsyncIterator[str]:
        assert self.llm is not None
        for _ in range(self.max_tool_rounds):
            request = LLMRequest(
                system=self._system_prompt(),
                messages=tuple(self.history),
                tools=TOOL_SPECS,
                metadata={"prompt_version": self.prompt_version, "stage": self.state.machine.stage.value},
            )
            splitter = SentenceStream()
            said: list[str] = []
            calls: list[ToolCall] = []
            async for event in self.llm.stream(request):
                if isinstance(event, TextDelta):
                    for sentence in splitter.feed(event.text):
                        said.append(self._checked(sentence))
                        self._said_this_turn = [*self._said_this_turn, said[-1]]
                        yield said[-1]
                elif isinstance(event, ToolCallEvent):
                    calls.append(event.call)
                elif isinstance(event, TurnDone):
                    self._provider = event.provider
            for sentence in splitter.flush():
                said.append(self._checked(sentence))
                self._said_this_turn = [*self._said_this_turn, said[-1]]
                yield said[-1]
            self.history.append(
                ChatMessage(role="assistant", content=" ".join(said), tool_calls=tuple(calls))
            )
            if not calls:
                return
            for call in calls:
                self.history.append(await self.tools.execute(call))
            if self.state.ended:
                return
        logger.warning("tool loop hit %d rounds", self.max_tool_rounds)

    async def _close_if_terminal(self) -> None:
        """Opt-out and transfer end the call even if the model forgot to call end_call."""
        if self.state.ended:
            return
        if self.state.opted_out:
            await self.tools.call("end_call", {"reason": CallResult.OPTED_OUT.value})
        elif self.state.outcome is CallResult.TRANSFER_REQUESTED:
            await self.tools.call("end_call", {"reason": CallResult.TRANSFER_REQUESTED.value})
