"""Caller personas for evals: what the caller wants and how they behave. Each persona has an
expected result given the client (eligibility, broker free or not), and the runner scores Emma
against it. Personas are data; the phrasing generator decides the words."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from domain.enums import CallResult, ProductType

# When in the call a persona does its special thing.
MOMENTS = ("identity", "verify", "present", "coverage", "slot", "confirm")
WISHES = ("first", "second", "day_time", "part", "after")
QUESTIONS = ("price_q", "deductible_q", "compare_q", "guarantee_q", "ssn_q", "medical_q")


@dataclass(frozen=True)
class Persona:
    kind: str
    goal: str  # book | decline | opt_out | transfer | callback | wrong_person | deceased | fail_verify | spanish
    wish: str = "first"  # how they pick a slot (WISHES)
    family: bool = False
    product: ProductType | None = None  # a product asked for instead of the one offered
    opt_out_at: str | None = None  # MOMENTS
    disclosure_at: str | None = None
    questions: tuple[str, ...] = ()
    confused_turns: int = 0
    first_name_only: bool = False
    name_correction: bool = False
    negated_stop_at: str | None = None
    holds: bool = False
    noise: float = 0.0
    callback_owner: str = "ai"
    tags: tuple[str, ...] = field(default_factory=tuple)

    def expected(self, *, eligible: bool, broker_free: bool) -> CallResult:
        if self.opt_out_at is not None or self.goal == "opt_out":
            return CallResult.OPTED_OUT
        return {
            "decline": CallResult.DECLINED,
            "deceased": CallResult.DECLINED,
            "wrong_person": CallResult.WRONG_PERSON,
            "fail_verify": CallResult.VERIFICATION_FAILED,
            "callback": CallResult.CALLBACK_REQUESTED,
            "spanish": CallResult.CALLBACK_REQUESTED,
            "transfer": CallResult.TRANSFER_REQUESTED if broker_free else CallResult.CALLBACK_REQUESTED,
            "book": CallResult.SCHEDULED if eligible else CallResult.DECLINED,
        }[self.goal]


BASE: tuple[tuple[float, Persona], ...] = (
    (14, Persona("agreeable", "book")),
    (8, Persona("picky_day_time", "book", wish="day_time")),
    (6, Persona("picky_part", "book", wish="part")),
    (6, Persona("picky_after", "book", wish="after")),
    (4, Persona("second_choice", "book", wish="second", family=True)),
    (7, Persona("price_shopper", "book", questions=("price_q",))),
    (5, Persona("sceptic", "book", questions=("deductible_q", "compare_q", "guarantee_q"))),
    (3, Persona("privacy_minded", "book", questions=("ssn_q", "medical_q"))),
    (4, Persona("other_product", "book", product=ProductType.VISION)),
    (8, Persona("decliner", "decline")),
    (10, Persona("opt_out", "opt_out")),
    (5, Persona("transfer", "transfer")),
    (6, Persona("callback", "callback")),
    (4, Persona("wrong_person", "wrong_person")),
    (2, Persona("deceased", "deceased")),
    (3, Persona("fails_verification", "fail_verify")),
    (3, Persona("spanish", "spanish")),
)


def sample_persona(rng: random.Random) -> Persona:
    """A persona with its variations (where it opts out, asks if Emma is a robot, gets confused...)."""
    weights = [w for w, _ in BASE]
    persona = rng.choices([p for _, p in BASE], weights=weights)[0]
    changes: dict[str, object] = {"noise": rng.choice((0.0, 0.2, 0.4, 0.7))}
    if persona.goal == "opt_out":
        changes["opt_out_at"] = rng.choice(MOMENTS)
    if persona.goal in ("book", "decline") and rng.random() < 0.15:
        changes["disclosure_at"] = rng.choice(("identity", "present", "slot"))
    if persona.goal == "book":
        if rng.random() < 0.15:
            changes["confused_turns"] = rng.randint(1, 2)
        if rng.random() < 0.2:
            changes["first_name_only"] = True
        if rng.random() < 0.1:
            changes["name_correction"] = True
        if rng.random() < 0.08:
            changes["negated_stop_at"] = "slot" if persona.product else rng.choice(("present", "slot"))
        if rng.random() < 0.1:
            changes["holds"] = True
        if rng.random() < 0.06:
            changes["opt_out_at"] = rng.choice(("slot", "confirm"))  # changes their mind, angrily
    if persona.goal == "transfer":
        changes["callback_owner"] = "broker"
    if persona.goal == "spanish":
        changes["callback_owner"] = "broker"
    return replace(persona, **changes)  # type: ignore[arg-type]
