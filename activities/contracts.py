"""What workflows call: every activity's name and types, without its implementation.

Why: a workflow needs a typed reference to each activity it runs, and importing the classes that
implement them would load the database layer, vendor SDKs and settings into the workflow sandbox
(DESIGN.md: importing a workflow module loads none of these). These Protocols carry only the
`@activity.defn` names and the domain types; the classes in activities/*.py implement them under
the same names, and tests/project/test_activity_contracts.py keeps the two in step (every
contract implemented with the same signature, registered by the worker).
"""

from __future__ import annotations

from typing import Protocol

from temporalio import activity

from domain.messages import (
    AdoptCallRequest,
    BookingConfirmation,
    BookingRequest,
    BrokerAvailabilityRequest,
    BrokerAvailabilityResult,
    CallbackConfirmation,
    CallbackRecordRequest,
    CallbackStatusRequest,
    CallbackTimeChange,
    CampaignStartRequest,
    CampaignStartResult,
    ClientPage,
    ClientPageRequest,
    CrmWriteRequest,
    CrmWriteResult,
    DeleteRecordingRequest,
    DeleteRecordingResult,
    DncAddRequest,
    DncAddResult,
    EmailRequest,
    EmailResult,
    ExpiredRecordings,
    ExpiredRecordingsRequest,
    FreeSlots,
    FreeSlotsRequest,
    HangupRequest,
    PlaceCallRequest,
    PlaceCallResult,
    RecordAttemptRequest,
    RecordingConsentRecord,
    RecordingRegistration,
    ScreeningRequest,
    ScreeningResult,
    StrayCallbacksRequest,
    TransferRequest,
    TransferResult,
    UnreportedCloses,
    UnreportedClosesRequest,
)
from domain.usage import CampaignCost, CampaignCostRequest


class ScreeningSteps(Protocol):
    @activity.defn
    async def screen_client(self, request: ScreeningRequest) -> ScreeningResult: ...


class DialSteps(Protocol):
    """On the rate-limited dial queue (worker.py)."""

    @activity.defn
    async def place_call(self, request: PlaceCallRequest) -> PlaceCallResult: ...

    @activity.defn
    async def adopt_call(self, request: AdoptCallRequest) -> PlaceCallResult: ...


class CallSteps(Protocol):
    @activity.defn
    async def register_recording(self, request: RecordingRegistration) -> None: ...

    @activity.defn
    async def record_attempt_result(self, request: RecordAttemptRequest) -> None: ...

    @activity.defn
    async def hangup_call(self, request: HangupRequest) -> None: ...

    @activity.defn
    async def transfer_call(self, request: TransferRequest) -> TransferResult: ...


class BookingSteps(Protocol):
    @activity.defn
    async def list_free_slots(self, request: FreeSlotsRequest) -> FreeSlots: ...

    @activity.defn
    async def broker_availability(self, request: BrokerAvailabilityRequest) -> BrokerAvailabilityResult: ...

    @activity.defn
    async def book_appointment(self, request: BookingRequest) -> BookingConfirmation: ...


class FollowUpSteps(Protocol):
    @activity.defn
    async def write_crm_outcome(self, request: CrmWriteRequest) -> CrmWriteResult: ...

    @activity.defn
    async def send_email(self, request: EmailRequest) -> EmailResult: ...

    @activity.defn
    async def add_to_dnc(self, request: DncAddRequest) -> DncAddResult: ...

    @activity.defn
    async def record_recording_consent(self, request: RecordingConsentRecord) -> None: ...

    @activity.defn
    async def record_callback(self, request: CallbackRecordRequest) -> CallbackConfirmation: ...

    @activity.defn
    async def set_callback_status(self, request: CallbackStatusRequest) -> None: ...

    @activity.defn
    async def close_stray_callbacks(self, request: StrayCallbacksRequest) -> int: ...

    @activity.defn
    async def move_callback(self, request: CallbackTimeChange) -> None: ...

    @activity.defn
    async def create_crm_task(self, request: CallbackRecordRequest) -> CrmWriteResult: ...


class CampaignSteps(Protocol):
    @activity.defn
    async def start_campaign(self, request: CampaignStartRequest) -> CampaignStartResult: ...

    @activity.defn
    async def load_client_page(self, request: ClientPageRequest) -> ClientPage: ...

    @activity.defn
    async def finish_campaign(self, request: CampaignStartRequest) -> None: ...

    @activity.defn
    async def find_unreported_closes(self, request: UnreportedClosesRequest) -> UnreportedCloses: ...

    @activity.defn
    async def campaign_cost(self, request: CampaignCostRequest) -> CampaignCost: ...


class RetentionSteps(Protocol):
    @activity.defn
    async def find_expired_recordings(self, request: ExpiredRecordingsRequest) -> ExpiredRecordings: ...

    @activity.defn
    async def delete_expired_recording(self, request: DeleteRecordingRequest) -> DeleteRecordingResult: ...


ALL_CONTRACTS: tuple[type, ...] = (
    ScreeningSteps,
    DialSteps,
    CallSteps,
    BookingSteps,
    FollowUpSteps,
    CampaignSteps,
    RetentionSteps,
)
