"""Online evaluation of live calls, decided per call and free of PHI:

- A/B: the prompt version each call ran (5% of clients get the candidate, deterministic per
  client: prompts/emma/experiments.yaml, conversation/prompts.Experiment) and its outcome, so
  outcome counts can be compared per version;
- human review: 2% of calls (deterministic per call sid), plus every call whose guardrails
  blocked an utterance or whose shadow candidate disagreed, are queued with a redacted transcript.

The transcript is the engine's history: caller words before identity verification are already
withheld there; names, the plan name, phone numbers, emails, SSNs and dates are masked here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from conversation.engine import REDACTED_IDENTITY, ConversationEngine
from security.redaction import redact

REVIEW_PERCENT = 2


def sampled_for_review(call_sid: str, percent: int = REVIEW_PERCENT) -> bool:
    """Deterministic: the same call is always in or out of the sample."""
    digest = hashlib.sha256(f"review:{call_sid}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < percent


@dataclass(frozen=True)
class CallEvaluationRecord:
    call_sid: str
    campaign_id: str
    client_id: str
    prompt_version: str
    arm: str
    outcome: str
    turns: int
    blocked_utterances: int
    shadow_differences: int
    flagged: bool
    flag_reason: str
    redacted_transcript: str | None


def redacted_transcript(engine: ConversationEngine) -> str:
    """Who said what, with every private detail masked."""
    ctx = engine.context
    names = [ctx.first_name, ctx.current_plan, engine.state.preferred_name or ""]
    lines = []
    for message in engine.history:
        if message.role == "tool" or not message.content:
            continue
        who = "caller" if message.role == "user" else "emma"
        text = message.content if message.content == REDACTED_IDENTITY else redact(message.content, names)
        lines.append(f"{who}: {text}")
    return "\n".join(lines)


def evaluation_record(
    engine: ConversationEngine,
    *,
    call_sid: str,
    arm: str,
    shadow_differences: int = 0,
    percent: int = REVIEW_PERCENT,
) -> CallEvaluationRecord:
    """What is kept about one finished call for A/B counts and review."""
    blocked = len(engine.state.blocked)
    if sampled_for_review(call_sid, percent):
        reason = "sampled"
    elif blocked:
        reason = "guardrail_blocked"
    elif shadow_differences:
        reason = "shadow_disagreed"
    else:
        reason = ""
    outcome = engine.state.outcome.value if engine.state.outcome else "dropped"
    return CallEvaluationRecord(
        call_sid=call_sid,
        campaign_id=engine.context.campaign_id,
        client_id=engine.context.client_id,
        prompt_version=engine.prompt_version,
        arm=arm,
        outcome=outcome,
        turns=sum(1 for m in engine.history if m.role == "user"),
        blocked_utterances=blocked,
        shadow_differences=shadow_differences,
        flagged=bool(reason),
        flag_reason=reason,
        redacted_transcript=redacted_transcript(engine) if reason else None,
    )
