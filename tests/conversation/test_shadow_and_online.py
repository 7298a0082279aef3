"""Shadow mode (a candidate beside production that never speaks or writes) and the per-call
online evaluation record: A/B arms, 2% review sampling, redacted transcripts."""

from __future__ import annotations

import logging

import pytest

from conversation.engine import ConversationEngine
from conversation.online import evaluation_record, redacted_transcript, sampled_for_review
from conversation.prompts import Experiment, PromptCatalog
from conversation.shadow import ReadOnlyData, SandboxControl, ShadowEngine, shadow_candidate
from domain.enums import CallResult
from tests.conversation.fakes import ScriptedLLM, session, text


def _candidate(production: ConversationEngine, llm: ScriptedLLM) -> ConversationEngine:
    prompt = PromptCatalog.load().get("v3")

    def build(control: SandboxControl, data: ReadOnlyData) -> ConversationEngine:
        return ConversationEngine(
            production.context,
            production.policy.identity,
            control,
            data,
            llm=llm,
            prompt=prompt,
            clock=production.clock,
        )

    return shadow_candidate(production, build)


async def test_shadow_candidate_never_speaks_or_writes_and_differences_carry_no_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = session()
    candidate_llm = ScriptedLLM([text("Let me book that for you right away.")] * 5)
    shadow = ShadowEngine(s.engine, _candidate(s.engine, candidate_llm))
    opening = await shadow.start()
    assert opening.reply_text.startswith("Hi, this is Emma")
    caplog.set_level(logging.INFO, logger="conversation.shadow")
    for line in ("yes", "Maria Lopez, March 4th, 1961", "sure"):
        result = await shadow.turn(line)
        assert "right away" not in result.reply_text  # only production speaks
    assert shadow.stage is s.engine.stage and shadow.ended is s.engine.ended
    assert candidate_llm.requests, "the candidate ran on the same turns"
    assert shadow.differences, "the candidate answered differently (no tools, another stage)"
    logged = " ".join(str(r.__dict__) for r in caplog.records)
    assert "Maria" not in logged and "1961" not in logged and "Lopez" not in logged
    await shadow.turn("stop calling me")
    assert s.control.opted_out and len(s.control.calls) == len({id(c) for c in s.control.calls})


class _Broken:
    ended = False

    async def start(self) -> None:
        return None

    async def turn(self, _: str) -> None:
        raise RuntimeError("candidate bug")


async def test_a_failing_candidate_is_dropped_without_touching_the_call() -> None:
    s = session()
    shadow = ShadowEngine(s.engine, _Broken())  # type: ignore[arg-type]
    await shadow.start()
    shadow.candidate = _Broken()  # type: ignore[assignment]
    await shadow.turn("yes")
    assert shadow.candidate is None
    await shadow.turn("Maria Lopez, March 4th, 1961")
    result = await shadow.turn("sure")
    assert "spouse" in result.reply_text


def test_review_sampling_is_deterministic_and_near_two_percent() -> None:
    sids = [f"CA{i:05d}" for i in range(5000)]
    picked = [sampled_for_review(sid) for sid in sids]
    assert picked == [sampled_for_review(sid) for sid in sids]
    assert 0.012 < sum(picked) / len(picked) < 0.028


def test_candidate_share_is_five_percent_and_sticky_per_client() -> None:
    experiment = PromptCatalog.load().experiments.default
    assert (experiment.control, experiment.candidate, experiment.candidate_percent) == ("v2", "v3", 5)
    arms = [experiment.assign("camp", f"client-{i}") for i in range(4000)]
    assert arms == [experiment.assign("camp", f"client-{i}") for i in range(4000)]
    assert 0.035 < arms.count("v3") / len(arms) < 0.065
    assert Experiment(control="v2").assign("camp", "x") == "v2"


async def test_evaluation_record_is_redacted_and_flags_blocked_calls() -> None:
    s = session()
    await s.engine.start()
    for line in ("yes", "Maria Lopez, March 4th, 1961", "my number is 555-010-2030, call me there", "stop"):
        await s.engine.turn(line)
    transcript = redacted_transcript(s.engine)
    assert "Maria" not in transcript and "1961" not in transcript and "555-010-2030" not in transcript
    assert "Silver PPO" not in transcript
    record = evaluation_record(s.engine, call_sid="CA-test", arm="control")
    assert record.outcome == CallResult.OPTED_OUT.value and record.prompt_version == "local"
    assert record.turns == 4
    unsampled = next(sid for sid in (f"CA{i}" for i in range(200)) if not sampled_for_review(sid))
    plain = evaluation_record(s.engine, call_sid=unsampled, arm="control")
    assert not plain.flagged and plain.redacted_transcript is None
    s.engine.state.blocked.append(object())  # type: ignore[arg-type]
    blocked = evaluation_record(s.engine, call_sid=unsampled, arm="control")
    assert blocked.flagged and blocked.flag_reason == "guardrail_blocked" and blocked.redacted_transcript
