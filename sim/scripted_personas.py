"""Callee personas as scripted calls (the quick offline telephony): each persona is a function of
the attempt number returning the steps the scripted phone plays against the workflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from domain.enums import CallbackOwner, CallResult, CallStatus, Stage
from sim.scripted_phone import (
    AskCallback,
    AskTransfer,
    Book,
    Consent,
    End,
    EnterStage,
    OptOut,
    Status,
    Step,
    answered_call,
    unanswered_call,
)

Script = Callable[[int], list[Step]]
VERIFIED = (EnterStage(Stage.VERIFY), EnterStage(Stage.PRESENT))


def _booking(attempt: int) -> list[Step]:
    return answered_call(
        *VERIFIED,
        EnterStage(Stage.QUALIFY),
        EnterStage(Stage.SCHEDULE),
        Book(),
        EnterStage(Stage.CONFIRM),
        result=CallResult.SCHEDULED,
    )


def _callback_later(callback_after: timedelta) -> Script:
    def script(attempt: int) -> list[Step]:
        if attempt == 1:
            return answered_call(*VERIFIED, AskCallback(callback_after), result=CallResult.CALLBACK_REQUESTED)
        return _booking(attempt)

    return script


def _voicemail(attempt: int) -> list[Step]:
    return [
        Status(CallStatus.RINGING),
        Status(CallStatus.MACHINE),
        End(CallResult.VOICEMAIL),
        Status(CallStatus.COMPLETED),
    ]


def personas(callback_after: timedelta) -> dict[str, Script]:
    return {
        "agreeable": _booking,
        "price-shopper": _booking,
        "declines": lambda a: answered_call(*VERIFIED, result=CallResult.DECLINED),
        "opt-out": lambda a: answered_call(*VERIFIED, OptOut(), result=CallResult.OPTED_OUT),
        "callback-later": _callback_later(callback_after),
        "wants-broker": lambda a: answered_call(
            *VERIFIED, AskTransfer(), result=CallResult.TRANSFER_REQUESTED
        ),
        "broker-callback": lambda a: answered_call(
            *VERIFIED,
            AskCallback(callback_after * 10, CallbackOwner.BROKER),
            result=CallResult.CALLBACK_REQUESTED,
        ),
        "fails-verification": lambda a: answered_call(
            EnterStage(Stage.VERIFY), result=CallResult.VERIFICATION_FAILED
        ),
        "consent-denied": lambda a: [
            Status(CallStatus.RINGING),
            Status(CallStatus.ANSWERED),
            Consent(False),
            Status(CallStatus.COMPLETED),
        ],
        "no-answer": lambda a: unanswered_call(CallStatus.NO_ANSWER),
        "busy-then-books": lambda a: unanswered_call(CallStatus.BUSY) if a == 1 else _booking(a),
        "voicemail": _voicemail,
    }


PERSONA_ORDER = (
    "agreeable",
    "declines",
    "opt-out",
    "callback-later",
    "wants-broker",
    "no-answer",
    "fails-verification",
    "busy-then-books",
    "voicemail",
    "price-shopper",
    "consent-denied",
    "broker-callback",
)


def persona_for(index: int) -> str:
    """Deterministic persona per client position, so every demo shows every branch."""
    return PERSONA_ORDER[index % len(PERSONA_ORDER)]
