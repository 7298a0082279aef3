"""A persona-driven text simulation: a scripted caller talks to Emma turn by turn and the run
returns the transcript and the outcome. Tests use it now; evals build on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from adapters.llm.base import LLMProvider
from conversation.agent_data import Clock
from conversation.context import ClientRecord
from conversation.prompts import PromptVersion
from conversation.session import build_text_session
from conversation.state import Action, BlockedUtterance
from domain.enums import CallResult, Stage

# Monday 30 November 2026, 10:00 in New York: inside calling hours and the broker's working day.
SIM_NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)

SIM_CLIENT = ClientRecord(
    client_id="sim-client-1",
    first_name="Maria",
    last_name="Lopez",
    date_of_birth=date(1961, 3, 4),
    current_plan="Silver PPO",
    coverage_gaps=["dental"],
    timezone="America/New_York",
    broker_id="sim-broker-1",
    broker_name="Dana Whitfield",
    has_spouse=False,
)


@dataclass(frozen=True)
class Persona:
    """A caller: the lines they say in order, and the result a good agent reaches with them."""

    name: str
    lines: tuple[str, ...]
    expected: CallResult
    broker_available_now: bool = False
    description: str = ""


PERSONAS: dict[str, Persona] = {
    p.name: p
    for p in (
        Persona(
            "agreeable",
            (
                "Yes, speaking.",
                "Maria Lopez, March 4th, 1961.",
                "Sure, that sounds good.",
                "Just me.",
                "The first one works.",
                "Yes, please book it.",
            ),
            CallResult.SCHEDULED,
            description="says yes to everything",
        ),
        Persona(
            "price_shopper",
            (
                "Yes, this is Maria.",
                "Maria Lopez, born 03/04/1961.",
                "How much does dental cost?",
                "How much is vision per month?",
                "Okay, let's set up a call.",
                "Just me.",
                "The second one.",
                "Yes.",
            ),
            CallResult.SCHEDULED,
            description="wants prices before agreeing",
        ),
        Persona(
            "opt_out",
            ("Yes, this is Maria.", "Maria Lopez, March 4th, 1961.", "Please take me off your list."),
            CallResult.OPTED_OUT,
        ),
        Persona(
            "transfer",
            ("Yes, it's me.", "Maria Lopez, March 4, 1961.", "Can I talk to my broker?"),
            CallResult.TRANSFER_REQUESTED,
            broker_available_now=True,
        ),
        Persona(
            "transfer_unavailable",
            (
                "Yes, it's me.",
                "Maria Lopez, March 4, 1961.",
                "I'd rather speak with a real person.",
                "Tomorrow at 2 pm.",
            ),
            CallResult.CALLBACK_REQUESTED,
            broker_available_now=False,
            description="asks for the broker, who is busy: a broker callback",
        ),
        Persona(
            "callback",
            ("Yes.", "I'm busy right now, can you call me back Thursday around three?", "Yes, that works."),
            CallResult.CALLBACK_REQUESTED,
        ),
        Persona(
            "confused",
            ("What?", "I don't understand.", "Huh?", "What do you mean?", "I'm confused."),
            CallResult.CALLBACK_REQUESTED,
            description="stays confused through rephrase, simplify, example, transfer offer",
        ),
        Persona(
            "wrong_person",
            ("No, this is her husband.", "Try tomorrow evening."),
            CallResult.WRONG_PERSON,
        ),
        Persona(
            "fails_verification",
            ("Yes.", "Maria Lopez, January 1st, 1970.", "Maria Lopez, February 2nd, 1971."),
            CallResult.VERIFICATION_FAILED,
        ),
        Persona(
            "declines",
            ("Yes.", "Maria Lopez, March 4th, 1961.", "No thanks, I'm not interested."),
            CallResult.DECLINED,
        ),
    )
}


@dataclass
class SimulationResult:
    persona: str
    transcript: list[tuple[str, str]]
    outcome: CallResult
    final_stage: Stage
    stages: list[Stage]
    actions: list[Action]
    blocked: list[BlockedUtterance]
    providers: list[str] = field(default_factory=list)
    prompt_version: str = "local"

    @property
    def tool_names(self) -> list[str]:
        return [a.name for a in self.actions if a.kind == "tool"]


async def run_persona(
    persona: Persona,
    *,
    client: ClientRecord = SIM_CLIENT,
    llm: LLMProvider | None = None,
    prompt: PromptVersion | None = None,
    clock: Clock = lambda: SIM_NOW,
) -> SimulationResult:
    """Drive the engine with the persona's lines until the call ends or the lines run out."""
    record = client.model_copy(update={"broker_available_now": persona.broker_available_now})
    session = build_text_session(record, llm=llm, prompt=prompt, clock=clock)
    engine = session.engine
    transcript: list[tuple[str, str]] = []
    opening = await engine.start()
    transcript.append(("emma", opening.reply_text))
    for line in persona.lines:
        if engine.ended:
            break
        transcript.append(("caller", line))
        result = await engine.turn(line)
        transcript.append(("emma", result.reply_text))
    if not engine.ended:
        await engine.hangup()
    assert engine.state.outcome is not None
    return SimulationResult(
        persona=persona.name,
        transcript=transcript,
        outcome=engine.state.outcome,
        final_stage=engine.stage,
        stages=list(engine.state.machine.history),
        actions=list(engine.state.actions),
        blocked=list(engine.state.blocked),
        providers=list(engine.providers_used),
        prompt_version=engine.prompt_version,
    )
