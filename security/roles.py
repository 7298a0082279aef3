"""Roles as data: which fields of which entity each role may read and write.

The table is the single source of truth for field-level access; db/access.py enforces it in the
repository layer (and audits every decision), the API maps credentials to an `Actor`. Changing
who may see what is a reviewed edit of RULES, never an `if role == ...` scattered in code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.enums import Role

ALL = "*"

CLIENT_FIELDS = frozenset(
    {
        "id",
        "broker_id",
        "first_name",
        "last_name",
        "phone",
        "email",
        "timezone",
        "state",
        "date_of_birth",
        "current_plan",
        "coverage_gaps",
        "has_spouse",
        "eligible",
        "ssn",
        "medical_notes",
        "persona",
    }
)
# What the voice agent needs to hold a conversation (DESIGN.md: name, plan, coverage gaps, broker).
# Identity is checked with db.access.verify_client_dob, which answers yes/no without revealing it.
AGENT_CLIENT_FIELDS = frozenset(
    {
        "id",
        "broker_id",
        "first_name",
        "last_name",
        "timezone",
        "state",
        "current_plan",
        "coverage_gaps",
        "has_spouse",
    }
)
NEVER_FOR_AGENT = frozenset({"ssn", "medical_notes", "date_of_birth", "phone", "email"})
# A broker's working hours and free slots: what a campaign manager needs to plan (no contact data).
BROKER_AVAILABILITY_FIELDS = frozenset(
    {"id", "name", "timezone", "work_start_hour", "work_end_hour", "work_days", "slot_minutes"}
)


@dataclass(frozen=True)
class FieldRule:
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()
    own_only: bool = False  # rows must belong to the actor's broker_id

    def can_read(self, fields: Iterable[str]) -> frozenset[str]:
        """The requested fields this rule does NOT allow reading."""
        return frozenset() if ALL in self.read else frozenset(fields) - self.read

    def can_write(self, fields: Iterable[str]) -> frozenset[str]:
        return frozenset() if ALL in self.write else frozenset(fields) - self.write


RULES: Mapping[Role, Mapping[str, FieldRule]] = {
    Role.AI_AGENT: {
        "client": FieldRule(read=AGENT_CLIENT_FIELDS),
        "appointment": FieldRule(
            read=frozenset({"id", "broker_id", "slot_start", "product", "confirmation_code"})
        ),
        "broker": FieldRule(read=frozenset({"id", "name", "timezone"})),
    },
    Role.BROKER: {
        "client": FieldRule(
            read=CLIENT_FIELDS,
            write=frozenset(
                {"phone", "email", "current_plan", "coverage_gaps", "has_spouse", "medical_notes"}
            ),
            own_only=True,
        ),
        "appointment": FieldRule(read=frozenset({ALL}), own_only=True),
        "consent": FieldRule(read=frozenset({ALL}), own_only=True),
        "call_attempt": FieldRule(read=frozenset({ALL}), own_only=True),
        "broker": FieldRule(read=frozenset({ALL}), own_only=True),
        "callback": FieldRule(
            read=frozenset({ALL}), write=frozenset({"status", "callback_at"}), own_only=True
        ),
    },
    Role.CAMPAIGN_MANAGER: {
        "client": FieldRule(read=frozenset({"id", "broker_id", "state", "timezone", "eligible"})),
        "campaign": FieldRule(read=frozenset({ALL}), write=frozenset({ALL})),
        "broker": FieldRule(read=BROKER_AVAILABILITY_FIELDS),
        "call_attempt": FieldRule(
            read=frozenset({"id", "campaign_id", "client_id", "attempt", "status", "result"})
        ),
        "temporal_payload": FieldRule(read=frozenset({ALL})),
    },
    Role.AUDITOR: {
        "client": FieldRule(read=frozenset({"id", "broker_id"})),
        "audit_log": FieldRule(read=frozenset({ALL})),
        "call_attempt": FieldRule(read=frozenset({ALL})),
        "consent": FieldRule(read=frozenset({ALL})),
        "temporal_payload": FieldRule(read=frozenset({ALL})),
    },
    # Workflow activities acting for the product (dialling needs the phone, email needs the address).
    Role.SYSTEM: {
        "client": FieldRule(read=CLIENT_FIELDS - {"ssn", "medical_notes"}, write=frozenset({"eligible"})),
        "consent": FieldRule(read=frozenset({ALL}), write=frozenset({ALL})),
        "recording": FieldRule(read=frozenset({ALL}), write=frozenset({ALL})),
    },
}


@dataclass(frozen=True)
class Actor:
    """Who is asking: an id for the audit log, a role, and for brokers the broker they are."""

    actor_id: str
    role: Role
    broker_id: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.role is Role.BROKER and not self.broker_id:
            raise ValueError("a broker actor needs its broker_id")


class AccessDenied(PermissionError):
    """A role asked for fields or rows its rules do not grant. The message names the role, the
    entity and the refused fields (never their values)."""

    def __init__(self, actor: Actor, action: str, entity: str, fields: Iterable[str], why: str = "") -> None:
        self.actor = actor
        self.action = action
        self.entity = entity
        self.fields = tuple(sorted(fields))
        detail = why or f"fields not permitted: {', '.join(self.fields)}"
        super().__init__(f"role {actor.role.value!r} may not {action} {entity}: {detail}")


class NotOwner(AccessDenied):
    """The row belongs to another broker. APIs answer it like an unknown id (404), so a broker
    cannot learn which client ids exist; the refusal is still audited."""


class AccessPolicy:
    """Pure checks over RULES (the auditing wrapper is db.access)."""

    def __init__(self, rules: Mapping[Role, Mapping[str, FieldRule]] = RULES) -> None:
        self._rules = rules

    def rule(self, role: Role, entity: str) -> FieldRule | None:
        return self._rules.get(role, {}).get(entity)

    def check_read(
        self, actor: Actor, entity: str, fields: Iterable[str], *, owner_broker_id: str | None = None
    ) -> None:
        self._check(actor, "read", entity, frozenset(fields), owner_broker_id)

    def check_write(
        self, actor: Actor, entity: str, fields: Iterable[str], *, owner_broker_id: str | None = None
    ) -> None:
        self._check(actor, "write", entity, frozenset(fields), owner_broker_id)

    def _check(
        self, actor: Actor, action: str, entity: str, fields: frozenset[str], owner_broker_id: str | None
    ) -> None:
        rule = self.rule(actor.role, entity)
        if rule is None:
            raise AccessDenied(actor, action, entity, fields, "no access to this entity")
        refused = rule.can_read(fields) if action == "read" else rule.can_write(fields)
        if refused:
            raise AccessDenied(actor, action, entity, refused)
        if rule.own_only and owner_broker_id is not None and owner_broker_id != actor.broker_id:
            raise NotOwner(actor, action, entity, fields, "record belongs to another broker")
