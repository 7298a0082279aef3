"""The intents the caller's words are read as. One caller turn may carry several ("yes, but
how much is it?"); the policy decides which one wins at which point of the call."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    OPT_OUT = "opt_out"  # do not call me again: DNC, end the call in this turn
    WANTS_BROKER = "wants_broker"  # transfer me / let me talk to a person
    CALLBACK = "callback"  # not now, call me back (maybe at a time)
    PRICE = "price"
    CONFUSED = "confused"
    AFFIRM = "affirm"
    DENY = "deny"
    DECLINE = "decline"  # not interested (but calls are fine)
    WRONG_PERSON = "wrong_person"
    DECEASED = "deceased"
    GOODBYE = "goodbye"
    DISCLOSURE = "disclosure"  # are you a real person / a robot?
    WHO = "who"  # who is this, why are you calling
    DEDUCTIBLE = "deductible"  # deductibles, copays, what is covered: plan details we do not have
    COMPARE = "compare"  # cheaper than what I have?
    GUARANTEE = "guarantee"  # can you guarantee / lock the price?
    SSN = "ssn"  # social security numbers, asked for or offered
    MEDICAL = "medical"  # medical records or notes
    HOLD = "hold"  # one second, hold on
    SELF_ID = "self_id"  # speaking, this is she, that's me
    NAME_CORRECTION = "name_correction"  # don't call me X, it's Y / call me Y


# Intents the shipped classifier predicts (the grammar covers the rest).
CLASSIFIED = (
    Intent.OPT_OUT,
    Intent.DECLINE,
    Intent.AFFIRM,
    Intent.DENY,
    Intent.CALLBACK,
    Intent.WANTS_BROKER,
    Intent.WRONG_PERSON,
    Intent.DECEASED,
    Intent.DISCLOSURE,
)
