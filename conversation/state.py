"""Per-call conversation state shared by the turn engine, the tools, the guardrails and the local
policy: what was verified, what the tools returned (the only prices and slots Emma may speak),
what Emma is waiting for, and how the call ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from conversation.agent_data import CoverageLevel
from conversation.nlu.times import TimeRequest
from conversation.stages import StageMachine
from conversation.time_parse import ResolvedTime
from domain.enums import CallbackOwner, CallResult, ProductType, Stage


class Pending(StrEnum):
    """The question Emma asked last, so the caller's next words are read against it."""

    NONE = "none"
    IDENTITY_CONFIRM = "identity_confirm"  # "Am I speaking with Maria?"
    VERIFY = "verify"  # name and date of birth
    PRESENT = "present"  # "Would you like to set up a call with your broker?"
    COVERAGE = "coverage"  # just you, or your spouse too?
    SLOT_CHOICE = "slot_choice"
    BOOKING_CONFIRM = "booking_confirm"
    CALLBACK_TIME = "callback_time"
    CALLBACK_CONFIRM = "callback_confirm"
    WRONG_PERSON_TIME = "wrong_person_time"
    SPANISH_OFFER = "spanish_offer"  # "¿Quiere que su corredor le llame?"
    SPANISH_TIME = "spanish_time"
    SPANISH_CONFIRM = "spanish_confirm"


@dataclass(frozen=True)
class Action:
    """One thing the agent did in a turn: a tool call (with its outcome) or a stage change."""

    kind: str  # "tool" | "stage"
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    result: dict[str, Any] | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "arguments": self.arguments,
            "ok": self.ok,
            "error": self.error,
        }


@dataclass(frozen=True)
class BlockedUtterance:
    text: str
    reasons: tuple[str, ...]
    replacement: str


@dataclass
class CallFacts:
    """What tools returned in this call: guardrails allow only these prices and times."""

    prices: set[Decimal] = field(default_factory=set)
    slots: list[datetime] = field(default_factory=list)
    callback_times: set[datetime] = field(default_factory=set)
    caller_times: set[datetime] = field(default_factory=set)  # times the caller named (may be read back)
    eligibility: dict[ProductType, bool] = field(default_factory=dict)
    broker_available_now: bool | None = None
    booked_slot: datetime | None = None
    confirmation_code: str | None = None


@dataclass
class CallState:
    machine: StageMachine = field(default_factory=StageMachine)
    verified: bool = False
    verify_failures: int = 0
    verify_reprompts: int = 0
    verify_buffer: str = ""
    confusion_level: int = 0
    pending: Pending = Pending.NONE
    proposed_callback: ResolvedTime | None = None
    callback_owner: CallbackOwner = CallbackOwner.AI
    chosen_slot: datetime | None = None
    product: ProductType = ProductType.DENTAL
    coverage_level: CoverageLevel | None = None
    opted_out: bool = False
    transfer_offered: bool = False
    facts: CallFacts = field(default_factory=CallFacts)
    outcome: CallResult | None = None
    callback_at: datetime | None = None
    ended: bool = False
    blocked: list[BlockedUtterance] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    # What the caller was offered and said no to: never offered again in this call.
    offered: list[datetime] = field(default_factory=list)
    rejected_slots: set[datetime] = field(default_factory=set)
    requested_time: TimeRequest | None = None  # a time the caller named before slots were offered
    asked_last_name: bool = False
    asked_full_name: bool = False
    asked_identity_again: bool = False
    verify_refusals: int = 0
    preferred_name: str | None = None
    spanish: bool = False  # the caller speaks Spanish: Emma answers in Spanish
    disclosed: bool = False  # Emma said she is an AI in answer to a question
    last_caller_text: str = ""
    last_emma_text: str = ""

    @property
    def stage(self) -> Stage:
        return self.machine.stage
