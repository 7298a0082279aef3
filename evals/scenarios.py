"""Hand-written eval cases in YAML: a client (defaults: the simulator's), the caller's lines, and
what must happen - per turn and at the end. Format (docs/evals.md):

    scenarios:
      - name: bare stop while verifying
        broker_available_now: false        # optional
        client: {first_name: Maria}        # optional ClientRecord fields
        now: "2026-11-30T15:00:00Z"        # optional, the call's instant
        taken: ["2026-12-01T14:00:00Z"]    # optional, broker slots already booked
        turns:
          - caller: "yes"
          - caller: "stop"
            expect: {ended: true, outcome: opted_out}
        expect: {outcome: opted_out, dnc: true, booked: null}

Turn expectations: ended, outcome, stage, says (substrings, any case), never_says, tools (names
called in that turn), disclosure (the reply says Emma is an AI). Final expectations: outcome, dnc,
booked (an ISO instant or null), callback_at, callback_owner, never_says (whole call)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.llm.base import LLMProvider
from conversation.agent_data import BrokerCalendar
from conversation.personas import SIM_CLIENT, SIM_NOW
from conversation.prompts import PromptVersion
from conversation.session import build_text_session
from domain.broker_slots import WorkingHours

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
_AI = re.compile(r"\b(ai assistant|an ai\b|artificial intelligence|inteligencia artificial)", re.IGNORECASE)


class TurnExpect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended: bool | None = None
    outcome: str | None = None
    stage: str | None = None
    says: list[str] = Field(default_factory=list)
    never_says: list[str] = Field(default_factory=list)
    tools: list[str] | None = None
    disclosure: bool | None = None


class ScenarioTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    caller: str
    expect: TurnExpect = Field(default_factory=TurnExpect)


class FinalExpect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str | None = None
    dnc: bool | None = None
    booked: str | None = "any"  # an ISO instant, null (nothing booked) or "any"
    callback_at: str | None = "any"
    callback_owner: str | None = None
    never_says: list[str] = Field(default_factory=list)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    client: dict[str, Any] = Field(default_factory=dict)
    broker_available_now: bool = False
    now: datetime = SIM_NOW
    taken: list[datetime] = Field(default_factory=list)
    turns: list[ScenarioTurn]
    expect: FinalExpect = Field(default_factory=FinalExpect)


class ScenarioError(ValueError):
    """A scenario file is malformed."""


def load_scenarios(path: Path) -> list[Scenario]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), list):
        raise ScenarioError(f"{path}: expected a mapping with a 'scenarios' list")
    try:
        return [Scenario.model_validate(item) for item in raw["scenarios"]]
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {exc}") from exc


@dataclass
class ScenarioResult:
    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    transcript: list[dict[str, str]] = field(default_factory=list)
    outcome: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "outcome": self.outcome,
            "failures": self.failures,
            "transcript": self.transcript,
        }


def _check_turn(index: int, expect: TurnExpect, reply: str, result: Any, tools: list[str]) -> list[str]:
    problems: list[str] = []
    low = reply.lower()
    where = f"turn {index + 1}"
    if expect.ended is not None and result.ended != expect.ended:
        problems.append(f"{where}: ended={result.ended}, expected {expect.ended}")
    if expect.outcome is not None and (result.outcome.value if result.outcome else None) != expect.outcome:
        problems.append(f"{where}: outcome {result.outcome}, expected {expect.outcome}")
    if expect.stage is not None and result.stage.value != expect.stage:
        problems.append(f"{where}: stage {result.stage.value}, expected {expect.stage}")
    problems += [f"{where}: reply lacks {s!r}" for s in expect.says if s.lower() not in low]
    problems += [f"{where}: reply says {s!r}" for s in expect.never_says if s.lower() in low]
    if expect.tools is not None and sorted(expect.tools) != sorted(tools):
        problems.append(f"{where}: tools {tools}, expected {expect.tools}")
    if expect.disclosure is not None and bool(_AI.search(reply)) != expect.disclosure:
        problems.append(f"{where}: AI disclosure {'missing' if expect.disclosure else 'unexpected'}")
    return problems


def _same_instant(value: str | None, actual: datetime | None) -> bool:
    if value == "any":
        return True
    if value is None or actual is None:
        return value is None and actual is None
    return datetime.fromisoformat(value) == actual


async def run_scenario(
    scenario: Scenario, *, llm: LLMProvider | None = None, prompt: PromptVersion | None = None
) -> ScenarioResult:
    record = SIM_CLIENT.model_copy(
        update={**scenario.client, "broker_available_now": scenario.broker_available_now}
    )
    calendar = BrokerCalendar(
        hours=WorkingHours(timezone=record.broker_timezone or record.timezone),
        taken=set(scenario.taken),
        available_now=record.broker_available_now,
    )
    session = build_text_session(
        record, llm=llm, prompt=prompt, clock=lambda: scenario.now, calendar=calendar
    )
    engine, control = session.engine, session.control
    opening = (await engine.start()).reply_text
    transcript = [{"emma": opening}]
    failures: list[str] = []
    for index, turn in enumerate(scenario.turns):
        if engine.ended:
            failures.append(f"turn {index + 1}: the call had already ended")
            break
        result = await engine.turn(turn.caller)
        transcript += [{"caller": turn.caller}, {"emma": result.reply_text}]
        tools = [a.name for a in result.actions if a.kind == "tool"]
        failures += _check_turn(index, turn.expect, result.reply_text, result, tools)
    if not engine.ended:
        await engine.hangup()
    final = scenario.expect
    outcome = engine.state.outcome.value if engine.state.outcome else None
    if final.outcome is not None and outcome != final.outcome:
        failures.append(f"outcome {outcome}, expected {final.outcome}")
    if final.dnc is not None and control.opted_out != final.dnc:
        failures.append(f"DNC written: {control.opted_out}, expected {final.dnc}")
    booked = control.bookings[0].slot_start if control.bookings else None
    if not _same_instant(final.booked, booked):
        failures.append(f"booked {booked}, expected {final.booked}")
    callback = control.callbacks[0] if control.callbacks else None
    if not _same_instant(final.callback_at, callback.callback_at if callback else None):
        failures.append(
            f"callback at {callback.callback_at if callback else None}, expected {final.callback_at}"
        )
    if final.callback_owner is not None and (
        callback is None or callback.owner.value != final.callback_owner
    ):
        failures.append(
            f"callback owner {callback.owner.value if callback else None}, expected {final.callback_owner}"
        )
    said = " ".join(line.get("emma", "") for line in transcript).lower()
    failures += [f"Emma said {s!r}" for s in final.never_says if s.lower() in said]
    return ScenarioResult(scenario.name, not failures, failures, transcript, outcome)
