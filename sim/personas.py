"""Callee personas: data files (sim/personas/*.yaml) saying how a number answers and what the
person says. Which persona a dialled number gets is decided by sim.registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

PERSONA_DIR = Path(__file__).resolve().parent / "personas"
COMMON_FILE = "_common.yaml"
AnswerMode = Literal["human", "no-answer", "busy", "machine"]
ANSWER_MODES: tuple[str, ...] = ("human", "no-answer", "busy", "machine")
HANGUP = "{hangup}"

# The documented order behind the deterministic number rule (docs/telephony.md).
PERSONA_ORDER: tuple[str, ...] = (
    "agreeable",
    "price-shopper",
    "opt-out",
    "wants-broker",
    "callback-later",
    "confused",
    "wrong-person",
    "fails-verification",
    "declines",
    "no-answer",
    "busy",
    "voicemail",
    "hangs-up-mid-call",
    "talks-over-agent",
    "long-silence",
)

DEFAULT_FACTS = {
    "first_name": "Alex",
    "last_name": "Morgan",
    "date_of_birth": "March 3rd, 1960",
    "zip_code": "10001",
}


class PersonaError(ValueError):
    """A persona file that does not describe a callee we can simulate."""


@dataclass(frozen=True)
class Reply:
    """When Emma's words contain any of `when` (lowercase substrings), say `say`.
    `say` may use {first_name} etc. from the number's facts and end with {hangup}."""

    when: tuple[str, ...]
    say: str
    once: bool = False


@dataclass(frozen=True)
class Persona:
    name: str
    description: str = ""
    answer: AnswerMode = "human"
    ring_seconds: float = 2.0
    consent: tuple[str, ...] = ("yes",)  # successive <Gather> answers: text, a digit, or "" (silence)
    replies: tuple[Reply, ...] = ()
    default_reply: str = "Okay."
    reply_delay_seconds: float = 0.3
    first_reply_delay_seconds: float = 0.0  # long silence before the first answer
    barge_in: bool = False  # answers while Emma is still talking
    hangup_after_replies: int | None = None
    machine_greeting_seconds: float = 3.0
    max_replies: int = 40
    facts: dict[str, str] = field(default_factory=dict)

    def gather_answer(self, index: int) -> str:
        """The answer to the index-th <Gather>; past the list, the last answer repeats."""
        if not self.consent:
            return ""
        return self.consent[min(index, len(self.consent) - 1)]


def _replies(raw: Any, source: str) -> tuple[Reply, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise PersonaError(f"{source}: replies must be a list")
    out = []
    for item in raw:
        if not isinstance(item, dict) or "say" not in item or "when" not in item:
            raise PersonaError(f"{source}: each reply needs 'when' and 'say'")
        when = item["when"]
        when_list = [when] if isinstance(when, str) else list(when)
        out.append(
            Reply(tuple(str(w).lower() for w in when_list), str(item["say"]), bool(item.get("once", False)))
        )
    return tuple(out)


def parse_persona(data: dict[str, Any], common: tuple[Reply, ...] = (), source: str = "<data>") -> Persona:
    if not isinstance(data, dict) or not data.get("name"):
        raise PersonaError(f"{source}: a persona needs a name")
    answer = data.get("answer", "human")
    if answer not in ANSWER_MODES:
        raise PersonaError(f"{source}: answer must be one of {ANSWER_MODES}")
    replies = _replies(data.get("replies"), source)
    if data.get("use_common", True):
        replies = replies + common
    consent = data.get("consent", ["yes"])
    if isinstance(consent, str):
        consent = [consent]
    hangup_after = data.get("hangup_after_replies")
    return Persona(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        answer=answer,
        ring_seconds=float(data.get("ring_seconds", 2.0)),
        consent=tuple("" if c is None else str(c) for c in consent),
        replies=replies,
        default_reply=str(data.get("default_reply", "Okay.")),
        reply_delay_seconds=float(data.get("reply_delay_seconds", 0.3)),
        first_reply_delay_seconds=float(data.get("first_reply_delay_seconds", 0.0)),
        barge_in=bool(data.get("barge_in", False)),
        hangup_after_replies=int(hangup_after) if hangup_after is not None else None,
        machine_greeting_seconds=float(data.get("machine_greeting_seconds", 3.0)),
        max_replies=int(data.get("max_replies", 40)),
    )


def load_personas(directory: Path = PERSONA_DIR) -> dict[str, Persona]:
    """Every persona file in `directory` (files starting with `_` are shared fragments)."""
    common_path = directory / COMMON_FILE
    common: tuple[Reply, ...] = ()
    if common_path.exists():
        common = _replies(yaml.safe_load(common_path.read_text()).get("replies"), str(common_path))
    personas: dict[str, Persona] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        persona = parse_persona(yaml.safe_load(path.read_text()), common, str(path))
        personas[persona.name] = persona
    return personas
