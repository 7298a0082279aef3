"""Broker-facing responses: availability, callbacks, appointments; and the auditors' call log."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class WorkingHoursOut(BaseModel):
    timezone: str
    start_hour: int
    end_hour: int
    weekdays: list[int] = Field(description="0 = Monday")
    slot_minutes: int


class AvailabilityOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "broker_id": "brk-1-000",
                    "name": "Dana Broker",
                    "working_hours": {
                        "timezone": "America/Chicago",
                        "start_hour": 9,
                        "end_hour": 17,
                        "weekdays": [0, 1, 2, 3, 4],
                        "slot_minutes": 30,
                    },
                    "available_now": False,
                    "free_slots": ["2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z"],
                }
            ]
        }
    )

    broker_id: str
    name: str
    working_hours: WorkingHoursOut
    available_now: bool
    free_slots: list[datetime]


class CallbackOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "callback_id": "cb_1f0c2a9d4e5b6c7d",
                    "campaign_id": "spring-dental",
                    "client_id": "cli-1-00042",
                    "callback_at": "2026-03-04T16:00:00Z",
                    "owner": "broker",
                    "status": "scheduled",
                }
            ]
        }
    )

    callback_id: str
    campaign_id: str
    client_id: str
    callback_at: datetime
    owner: str = Field(description="broker: the broker calls; ai: Emma calls again")
    status: str


class CallbackList(BaseModel):
    callbacks: list[CallbackOut]


class Reschedule(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"callback_at": "2026-03-05T15:30:00-06:00"}]})

    callback_at: AwareDatetime = Field(description="with a time zone; must be in the future")


class CallbackChange(BaseModel):
    callback: CallbackOut
    requested: str = Field(description="completed or rescheduled: the callback workflow was told")


class AppointmentOut(BaseModel):
    appointment_id: str
    campaign_id: str
    client_id: str
    slot_start: datetime
    product: str
    confirmation_code: str


class AppointmentList(BaseModel):
    appointments: list[AppointmentOut]


class CallOut(BaseModel):
    """One call attempt: ids, status, result and what it consumed (no PHI)."""

    id: int
    campaign_id: str
    client_id: str
    attempt: int
    call_sid: str | None
    status: str
    result: str
    created_at: datetime
    duration_seconds: int
    stt_audio_seconds: float
    llm_input_tokens: int
    llm_output_tokens: int
    tts_characters: int


class CallLog(BaseModel):
    calls: list[CallOut]
    next_after_id: int | None
