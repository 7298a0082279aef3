"""Runs synthetic conversations through the real engine, tools and guardrails over in-memory
data: a client, a persona, a phrasing split, a seed. Everything is deterministic per (seed, index),
so a failing conversation can be replayed alone."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.llm.base import LLMProvider
from conversation.prompts import PromptVersion
from conversation.session import build_text_session
from domain.enums import CallResult
from evals.caller import SimulatedCaller
from evals.clients import SyntheticClient, synthetic_client
from evals.personas import Persona, sample_persona
from evals.phrasing import PhraseBank

BASE_NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
MAX_TURNS = 24


@dataclass(frozen=True)
class Turn:
    caller: str
    emma: str
    ended: bool
    outcome: CallResult | None
    verified: bool  # after this turn
    opted_out: bool  # DNC written by the end of this turn
    tools: tuple[str, ...]
    provider: str


@dataclass
class Conversation:
    index: int
    persona: Persona
    client: SyntheticClient
    split: str
    opening: str
    turns: list[Turn] = field(default_factory=list)
    outcome: CallResult | None = None
    expected: CallResult | None = None
    prices: set[str] = field(default_factory=set)
    offered_slots: set[datetime] = field(default_factory=set)
    callback_times: set[datetime] = field(default_factory=set)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    dnc: bool = False
    tool_calls: int = 0
    caller_log: Any = None
    prompt_version: str = "local"

    @property
    def emma_lines(self) -> list[str]:
        return [self.opening, *(t.emma for t in self.turns)]


@dataclass(frozen=True)
class EvalConfig:
    conversations: int = 100
    seed: int = 1
    split: str = "train"
    llm: LLMProvider | None = None
    prompt: PromptVersion | None = None
    max_turns: int = MAX_TURNS


def plan(config: EvalConfig, index: int) -> tuple[random.Random, SyntheticClient, Persona]:
    rng = random.Random(f"{config.seed}:{index}")
    client = synthetic_client(rng, index, BASE_NOW)
    persona = sample_persona(rng)
    if not client.record.eligible and persona.opt_out_at in ("coverage", "slot", "confirm"):
        persona = _replace_moment(persona, "present")
    return rng, client, persona


def _replace_moment(persona: Persona, moment: str) -> Persona:
    from dataclasses import replace

    return replace(persona, opt_out_at=moment)


async def run_conversation(config: EvalConfig, index: int) -> Conversation:
    rng, client, persona = plan(config, index)
    bank = PhraseBank.load(config.split)
    session = build_text_session(
        client.record,
        llm=config.llm,
        prompt=config.prompt,
        clock=lambda: client.now,
        calendar=client.calendar(),
    )
    engine, control = session.engine, session.control
    caller = SimulatedCaller(persona, client, bank, rng)
    opening = (await engine.start()).reply_text
    convo = Conversation(index, persona, client, config.split, opening, prompt_version=engine.prompt_version)
    convo.expected = persona.expected(
        eligible=client.record.eligible, broker_free=bool(client.record.broker_available_now)
    )
    emma = opening
    for _ in range(config.max_turns):
        if engine.ended:
            break
        caller.hear(emma)
        line = caller.next_line(emma)
        if line is None:
            break
        result = await engine.turn(line)
        emma = result.reply_text
        convo.turns.append(
            Turn(
                caller=line,
                emma=emma,
                ended=result.ended,
                outcome=result.outcome,
                verified=engine.state.verified,
                opted_out=control.opted_out,
                tools=tuple(a.name for a in result.actions if a.kind == "tool"),
                provider=result.provider,
            )
        )
    if not engine.ended:
        await engine.hangup()
    state = engine.state
    convo.outcome = state.outcome
    convo.prices = {str(p) for p in state.facts.prices}
    convo.offered_slots = set(state.facts.slots)
    convo.callback_times = set(state.facts.callback_times)
    convo.bookings = [
        {"slot_start": b.slot_start, "broker_id": b.broker_id, "product": _booked_product(state)}
        for b in control.bookings
    ]
    convo.callbacks = [{"callback_at": c.callback_at, "owner": c.owner} for c in control.callbacks]
    convo.dnc = control.opted_out
    convo.tool_calls = sum(1 for a in state.actions if a.kind == "tool")
    convo.caller_log = caller.log
    return convo


def _booked_product(state: Any) -> str | None:
    for action in state.actions:
        if action.name == "schedule_appointment" and action.ok:
            return str(action.arguments.get("product"))
    return None
