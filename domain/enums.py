"""The product's vocabulary (DESIGN.md): stages, outcomes, call events and roles."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Conversation stages, in the order a successful call walks them."""

    INTRO = "intro"
    VERIFY = "verify"
    PRESENT = "present"
    QUALIFY = "qualify"
    SCHEDULE = "schedule"
    CONFIRM = "confirm"
    CLOSE = "close"


class ClientStage(StrEnum):
    """Where a client's outreach workflow is; shown as the `ClientStage` search attribute."""

    SCREENING = "screening"
    WAITING_WINDOW = "waiting_window"
    DIALING = "dialing"
    RINGING = "ringing"
    CONSENT = "consent"
    IN_CONVERSATION = "in_conversation"
    WRAP_UP = "wrap_up"
    WAITING_RETRY = "waiting_retry"
    WAITING_CALLBACK = "waiting_callback"
    TRANSFERRING = "transferring"
    DONE = "done"


class Outcome(StrEnum):
    """Terminal outcomes of a client workflow."""

    SCHEDULED = "scheduled"
    DECLINED = "declined"
    OPTED_OUT = "opted_out"
    CALLBACK_SCHEDULED = "callback_scheduled"
    TRANSFERRED = "transferred"
    CONSENT_DENIED = "consent_denied"
    VERIFICATION_FAILED = "verification_failed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    DNC_BLOCKED = "dnc_blocked"
    INELIGIBLE = "ineligible"
    FAILED = "failed"


class CallStatus(StrEnum):
    """Telephony progress of one call attempt, as Twilio status and AMD callbacks report it."""

    INITIATED = "initiated"
    RINGING = "ringing"
    ANSWERED = "answered"
    MACHINE = "machine"
    HUMAN = "human"
    COMPLETED = "completed"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    CANCELED = "canceled"


class RecordingStatus(StrEnum):
    """A recording's state as Twilio's recording status callback reports it."""

    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    ABSENT = "absent"
    FAILED = "failed"
    PAUSED = "paused"
    STOPPED = "stopped"


class TransferLegStatus(StrEnum):
    """How the broker leg of a warm transfer ended (Twilio's DialCallStatus)."""

    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def bridged(self) -> bool:
        """Only a completed bridge means the client was handed over."""
        return self is TransferLegStatus.COMPLETED


class CallResult(StrEnum):
    """How the conversation itself ended, as the media server reports it."""

    SCHEDULED = "scheduled"
    DECLINED = "declined"
    OPTED_OUT = "opted_out"
    CALLBACK_REQUESTED = "callback_requested"
    TRANSFER_REQUESTED = "transfer_requested"
    VERIFICATION_FAILED = "verification_failed"
    WRONG_PERSON = "wrong_person"
    CONSENT_DENIED = "consent_denied"
    VOICEMAIL = "voicemail"
    DROPPED = "dropped"


class Role(StrEnum):
    """Who is reading or writing data; field-level rules key on it."""

    AI_AGENT = "ai_agent"
    BROKER = "broker"
    CAMPAIGN_MANAGER = "campaign_manager"
    AUDITOR = "auditor"
    SYSTEM = "system"


class CallbackOwner(StrEnum):
    """Who makes a callback: Emma re-dials, or a broker calls the client personally."""

    AI = "ai"
    BROKER = "broker"


class ProductType(StrEnum):
    DENTAL = "dental"
    VISION = "vision"
