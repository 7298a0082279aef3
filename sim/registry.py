"""Which persona answers a dialled number. An explicit registration (PUT /sim/numbers/{number},
made by the demo seeder) wins; otherwise the number's last two digits pick a persona from
PERSONA_ORDER (NN mod 15), so any number behaves deterministically."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from adapters.phone_numbers import normalize_e164
from sim.personas import DEFAULT_FACTS, PERSONA_ORDER, Persona, PersonaError

SIM_NUMBER_PREFIX = "+1202555"


@dataclass
class NumberEntry:
    persona: str
    facts: dict[str, str] = field(default_factory=dict)


def persona_name_for_number(e164: str) -> str:
    """The deterministic rule: last two digits NN -> PERSONA_ORDER[NN % 15]."""
    digits = "".join(c for c in e164 if c.isdigit())
    return PERSONA_ORDER[int(digits[-2:] or "0") % len(PERSONA_ORDER)]


def number_for_persona(persona: str, n: int = 0) -> str:
    """The n-th (0..99) valid number that the rule maps to `persona`: +1 202 555 NNPP, where
    PP is the persona's index in PERSONA_ORDER. Handy for seeding demo clients."""
    if persona not in PERSONA_ORDER:
        raise PersonaError(f"unknown persona {persona!r}")
    if not 0 <= n <= 99:
        raise ValueError("n must be in 0..99")
    return f"{SIM_NUMBER_PREFIX}{n:02d}{PERSONA_ORDER.index(persona):02d}"


def spoken_date(day: date) -> str:
    """How a callee says a date of birth: 'March 4th, 1961' (what the agent's verification parses)."""
    n = day.day
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{day:%B} {n}{suffix}, {day.year}"


class NumberRegistry:
    def __init__(self, personas: dict[str, Persona]) -> None:
        self.personas = personas
        self._entries: dict[str, NumberEntry] = {}

    def register(self, number: str, persona: str, facts: dict[str, str] | None = None) -> str:
        """Bind `number` to `persona` (with facts the callee answers verification with)."""
        if persona not in self.personas:
            raise PersonaError(f"unknown persona {persona!r}")
        e164 = normalize_e164(number)
        self._entries[e164] = NumberEntry(persona, dict(facts or {}))
        return e164

    def entry(self, e164: str) -> NumberEntry:
        return self._entries.get(e164) or NumberEntry(persona_name_for_number(e164))

    def lookup(self, e164: str) -> Persona:
        """The persona answering `e164`, with its facts filled in."""
        entry = self.entry(e164)
        persona = self.personas.get(entry.persona)
        if persona is None:
            raise PersonaError(f"persona {entry.persona!r} is not loaded")
        return replace(persona, facts={**DEFAULT_FACTS, **entry.facts})
