"""Emma's tool arguments and results as pydantic models: the JSON schemas the model sees and the
validation every call (the model's or the local policy's) passes."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from conversation.agent_data import CoverageLevel
from domain.enums import CallbackOwner, CallResult, ProductType


class ToolError(Exception):
    """A tool refused or failed; its message is what the model reads."""


class ToolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EligibilityArgs(ToolArgs):
    client_id: str = Field(min_length=1, description="The client's id from the context.")
    product_type: ProductType


class PricingArgs(ToolArgs):
    product: ProductType
    coverage_level: CoverageLevel = Field(
        description="individual: the client alone; family: with spouse/children."
    )
    has_spouse: bool


class DateRange(ToolArgs):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("date_range.end is before date_range.start")
        if (self.end - self.start).days > 14:
            raise ValueError("date_range may span at most 14 days")
        return self


class AvailabilityArgs(ToolArgs):
    broker_id: str = Field(min_length=1)
    date_range: DateRange | None = Field(default=None, description="Local dates; default the next 7 days.")
    near: datetime | None = Field(
        default=None,
        description="ISO 8601 time the caller asked for: that slot if free, then the nearest ones.",
    )
    earliest: time | None = Field(
        default=None, description="Client-local time of day, e.g. 15:00 for 'after 3'."
    )
    latest: time | None = Field(
        default=None, description="Client-local time of day the slot must start before."
    )

    @field_validator("near")
    @classmethod
    def _near_aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("near must include a UTC offset")
        return value


class ScheduleArgs(ToolArgs):
    slot_start: datetime = Field(
        description="ISO 8601 start of a slot returned by check_broker_availability."
    )
    product: ProductType = ProductType.DENTAL

    @field_validator("slot_start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("slot_start must include a UTC offset")
        return value


class NotesArgs(ToolArgs):
    note: str = Field(min_length=1, max_length=500)


class NoArgs(ToolArgs):
    pass


class CallbackArgs(ToolArgs):
    when: str = Field(min_length=1, max_length=120, description="ISO 8601 time or the caller's words.")
    owner: CallbackOwner = Field(
        default=CallbackOwner.AI, description="ai: Emma calls back; broker: the broker."
    )


class EndCallArgs(ToolArgs):
    reason: CallResult


class SlotOut(BaseModel):
    slot_start: datetime
    spoken: str


class AvailabilityOut(BaseModel):
    broker_id: str
    available_now: bool
    slots: list[SlotOut]


class BookingOut(BaseModel):
    appointment_id: str
    slot_start: datetime
    spoken: str
    confirmation_code: str


class NoteOut(BaseModel):
    note_id: str


class TransferOut(BaseModel):
    transferring: bool
    advice: str = ""


class CallbackOut(BaseModel):
    callback_id: str
    callback_at: datetime
    spoken: str
    owner: CallbackOwner
    moved_into_calling_hours: bool


class DncOut(BaseModel):
    added: bool


class EndOut(BaseModel):
    ended: bool
    reason: CallResult


class InterpretTimeArgs(ToolArgs):
    words: str = Field(min_length=1, max_length=200, description="The caller's own words for a day and time.")


class InterpretTimeOut(BaseModel):
    days: list[date]
    clock: time | None
    earliest: time | None
    latest: time | None
    instant: datetime | None
    spoken: str
    needs_confirmation: bool
