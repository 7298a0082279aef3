"""What Emma may know about the person she calls, and how she checks who answered.

`AgentContext` is built only from fields the `ai_agent` role may read (security/roles.py): it has
no field for an SSN, medical notes, a last name, a phone number or a date of birth, so none can be
rendered into a prompt. Verification needs a name and date of birth to compare against; that
lives in an `IdentityVerifier` kept outside the prompt context, answering only yes or no.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from conversation.nlu.names import name_matches as name_matches  # re-exported for db/
from conversation.time_parse import parse_spoken_date
from domain.enums import ProductType


def known_zone(value: str) -> str:
    """An IANA zone name, or a clear error."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class AgentContext(BaseModel):
    """The client as the model may see it (after verification), plus who and where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(min_length=1)
    first_name: str = Field(min_length=1)
    current_plan: str = ""
    coverage_gaps: tuple[str, ...] = ()
    broker_id: str = Field(min_length=1)
    broker_name: str = Field(min_length=1)
    timezone: str = "America/New_York"
    has_spouse: bool = False
    campaign_id: str = "chat"
    products: tuple[ProductType, ...] = (ProductType.DENTAL, ProductType.VISION)
    callback_number: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @classmethod
    def from_agent_view(cls, view: Any, broker_name: str, **extra: Any) -> AgentContext:
        """From db.access.AgentClientView (duck-typed so conversation/ does not import db/)."""
        return cls(
            client_id=view.client_id,
            first_name=view.first_name,
            current_plan=view.current_plan,
            coverage_gaps=tuple(view.coverage_gaps),
            broker_id=view.broker_id,
            broker_name=broker_name,
            timezone=view.timezone,
            has_spouse=view.has_spouse,
            **extra,
        )


class IdentityVerifier(Protocol):
    """Yes/no identity check; the values compared against never leave it."""

    async def verify(self, spoken_name: str, spoken_dob: date) -> bool: ...


class IdentityCheck:
    """Holds a full name and date of birth in memory to compare with what the caller says.

    For text chats and tests; in live calls db/repositories/agent_data.DbIdentityVerifier asks the
    database instead so the date of birth never leaves it. Its repr shows nothing.
    """

    __slots__ = ("_dob", "_first", "_last")

    def __init__(self, first_name: str, last_name: str, date_of_birth: date) -> None:
        self._first = first_name
        self._last = last_name
        self._dob = date_of_birth

    def __repr__(self) -> str:
        return "IdentityCheck(<redacted>)"

    def matches(self, spoken_name: str, spoken_dob: date | str | None) -> bool:
        dob = parse_spoken_date(spoken_dob) if isinstance(spoken_dob, str) else spoken_dob
        return dob == self._dob and name_matches(spoken_name, self._first, self._last)

    async def verify(self, spoken_name: str, spoken_dob: date) -> bool:
        return self.matches(spoken_name, spoken_dob)


class ClientRecord(BaseModel):
    """A client as a JSON file for `gyde chat --client-file`: the fields that matter for a call.

    Unknown keys (an SSN, medical notes...) are ignored, never read.
    """

    model_config = ConfigDict(extra="ignore")

    client_id: str = "local-client"
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    date_of_birth: date
    current_plan: str = ""
    coverage_gaps: list[str] = Field(default_factory=list)
    timezone: str = "America/New_York"
    broker_id: str = "local-broker"
    broker_name: str = Field(min_length=1)
    has_spouse: bool = False
    eligible: bool = True
    broker_timezone: str | None = None
    broker_available_now: bool = False
    campaign_id: str = "chat"
    callback_number: str = ""

    @field_validator("timezone", "broker_timezone")
    @classmethod
    def _known_zones(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    def split(self) -> tuple[AgentContext, IdentityCheck]:
        """The prompt-safe context and the identity check, kept apart."""
        context = AgentContext(
            client_id=self.client_id,
            first_name=self.first_name,
            current_plan=self.current_plan,
            coverage_gaps=tuple(self.coverage_gaps),
            broker_id=self.broker_id,
            broker_name=self.broker_name,
            timezone=self.timezone,
            has_spouse=self.has_spouse,
            campaign_id=self.campaign_id,
            callback_number=self.callback_number,
        )
        return context, IdentityCheck(self.first_name, self.last_name, self.date_of_birth)
