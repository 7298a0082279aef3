"""The eval report: aggregate metrics (docs/evals.md), per-persona outcome accuracy, and every
failing conversation's transcript, as JSON and as markdown."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from evals.metrics import Score
from evals.runner import Conversation


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


@dataclass
class Report:
    config: dict[str, Any]
    conversations: list[Conversation]
    scores: list[Score]
    duration_s: float

    def metrics(self) -> dict[str, Any]:
        n = len(self.scores)
        s = self.scores
        no_request = [x for x in s if x.opt_out_requests == 0]
        transfer = [x for x in s if x.transfer_ok is not None]
        callback = [x for x in s if x.callback_ok is not None]
        return {
            "conversations": n,
            "outcome_accuracy": _rate(sum(x.outcome_ok for x in s), n),
            "scheduling_accuracy": _rate(sum(x.scheduling_ok for x in s), n),
            "hipaa_violations": sum(len(x.hipaa) for x in s),
            "conversations_with_hipaa_violation": sum(bool(x.hipaa) for x in s),
            "hallucination_rate": _rate(sum(bool(x.hallucinations) for x in s), n),
            "hallucinations": sum(len(x.hallucinations) for x in s),
            "opt_out_requests": sum(x.opt_out_requests for x in s),
            "opt_out_in_turn": sum(x.opt_out_in_turn for x in s),
            "opt_out_recall": _rate(sum(x.opt_out_in_turn for x in s), sum(x.opt_out_requests for x in s)),
            "opt_out_false_positive_rate": _rate(
                sum(x.opt_out_false_positive for x in no_request), len(no_request)
            ),
            "ai_disclosure_asked": sum(x.disclosure_asked for x in s),
            "ai_disclosure_rate": _rate(
                sum(x.disclosure_answered for x in s), sum(x.disclosure_asked for x in s)
            ),
            "transfer_correct": _rate(sum(bool(x.transfer_ok) for x in transfer), len(transfer)),
            "callback_correct": _rate(sum(bool(x.callback_ok) for x in callback), len(callback)),
            "turns_per_conversation": round(sum(x.turns for x in s) / n, 2) if n else None,
            "tool_calls_per_conversation": round(sum(x.tool_calls for x in s) / n, 2) if n else None,
            "passed": sum(x.passed for x in s),
            "failed": sum(not x.passed for x in s),
        }

    def by_persona(self) -> dict[str, dict[str, Any]]:
        totals: Counter[str] = Counter()
        good: Counter[str] = Counter()
        for convo, score in zip(self.conversations, self.scores, strict=True):
            totals[convo.persona.kind] += 1
            good[convo.persona.kind] += score.passed
        return {k: {"conversations": totals[k], "passed": good[k]} for k in sorted(totals)}

    def failures(self) -> list[dict[str, Any]]:
        out = []
        for convo, score in zip(self.conversations, self.scores, strict=True):
            if score.passed:
                continue
            out.append(
                {
                    "index": convo.index,
                    "persona": convo.persona.kind,
                    "split": convo.split,
                    "client_id": convo.client.record.client_id,
                    "expected": convo.expected.value if convo.expected else None,
                    "outcome": convo.outcome.value if convo.outcome else None,
                    "reasons": score.reasons,
                    "transcript": [{"emma": convo.opening}]
                    + [x for t in convo.turns for x in ({"caller": t.caller}, {"emma": t.emma})],
                }
            )
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "metrics": self.metrics(),
            "by_persona": self.by_persona(),
            "duration_s": round(self.duration_s, 2),
            "failures": self.failures(),
        }

    def markdown(self) -> str:
        m = self.metrics()
        lines = [f"# Eval report ({self.config})", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in m.items()]
        lines += ["", "## By persona", "", "| persona | conversations | passed |", "|---|---|---|"]
        lines += [f"| {k} | {v['conversations']} | {v['passed']} |" for k, v in self.by_persona().items()]
        lines += ["", f"## Failing conversations ({m['failed']})", ""]
        for failure in self.failures():
            lines.append(
                f"### #{failure['index']} {failure['persona']} - expected {failure['expected']}, got {failure['outcome']}"
            )
            lines += [f"- {reason}" for reason in failure["reasons"]]
            lines.append("")
            for line in failure["transcript"]:
                who, text = next(iter(line.items()))
                lines.append(f"> **{who}**: {text}  ")
            lines.append("")
        return "\n".join(lines)
