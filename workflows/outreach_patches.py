"""The outreach workflow's patch ids (`workflow.patched`) and the call predicates they guard:
behaviour changed for new runs while running workflows replay the old one (docs/deploy.md)."""

from __future__ import annotations

from temporalio import workflow

from workflows.outreach_state import CallState

# No wait for the media server's end report on a call that never had a stream (consent denied:
# goodbye TwiML; a machine: the voicemail TwiML). Before, each such call waited the whole grace
# (60 s) holding its dial slot.
GRACE_ONLY_WITH_STREAM = "grace-only-with-stream"
# A consent "refusal" that was no clear answer, on a call the carrier says a machine answered, is
# voicemail (retried), not consent denied (final). Before, when the AMD verdict trailed the
# consent prompt the machine's greeting had reached, the client was lost.
MACHINE_OVER_UNCLEAR_CONSENT = "machine-over-unclear-consent"
# One id for the changes that cut a client's per-run cost (each patch id costs a marker and a
# TemporalChangeVersion upsert of its own, so they share one): the client's search attributes
# upserted once per activation with only what changed (workflows/client_attributes.py); the
# short writes to our own database as local activities (outreach_effects.py); the last dial
# slot given back with the finish report instead of a release signal of its own.
LEAN_LIFECYCLE = "lean-lifecycle"
# The lean lifecycle's last dial slot goes back at once when the follow-ups (confirmation email,
# DNC, CRM write) are still running after FOLLOW_UP_GRACE: a CRM outage must not hold a slot of
# `max_concurrent_calls`, which caps live calls, for a call long over.
SLOT_BACK_WHILE_FOLLOW_UPS_RUN = "slot-back-while-follow-ups-run"
# An opt-out that lands after the call stopped being live (in the end-report grace, or while a
# booking was still in flight) goes on the DNC list even when the booking makes the outcome
# "scheduled". Asked only in that case, so other histories carry no marker.
DNC_FOR_LATE_OPT_OUT = "dnc-for-late-opt-out"

# At a client run's end, the callback rows it wrote but no longer stands behind are closed, and
# on an opt-out the broker's callback workflow it started is cancelled. Before, a callback asked
# for and then outweighed by an opt-out (or written by a local activity in a workflow task that
# was lost, the opt-out winning the retry) stayed open on the broker's list and calendar.
# Asked only for runs that recorded a callback or opted out.
CLOSE_STRAY_CALLBACKS = "close-stray-callbacks"


def lean() -> bool:
    """Whether this run has the lean lifecycle (every run started after the change)."""
    return workflow.patched(LEAN_LIFECYCLE)


def stream_possible(call: CallState) -> bool:
    """Whether a media stream may have been handed out for this call: only after consent was
    given. An unknown consent (its signal may trail the completion) keeps the grace, unless the
    carrier said a machine answered (the voicemail TwiML has no stream)."""
    if call.consent is not None:
        return call.consent
    return not call.machine


def wait_for_end_report(call: CallState) -> bool:
    """Whether a call telephony says is over still gets the grace for the media server's report."""
    return stream_possible(call) or not workflow.patched(GRACE_ONLY_WITH_STREAM)


def machine_over_unclear(call: CallState) -> bool:
    """Asked only where the rule changes the verdict, so other histories carry no marker."""
    return call.machine_met_consent and workflow.patched(MACHINE_OVER_UNCLEAR_CONSENT)
