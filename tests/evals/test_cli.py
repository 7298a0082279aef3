"""`gyde eval` and `gyde review` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from conversation.online import CallEvaluationRecord
from db.repositories import evals as repo
from db.session import Database


def test_gyde_eval_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "--conversations", "8", "--seed", "3", "--json", "--report-dir", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["metrics"]["conversations"] == 8
    for key in (
        "scheduling_accuracy",
        "hipaa_violations",
        "hallucination_rate",
        "opt_out_recall",
        "ai_disclosure_rate",
    ):
        assert key in out["metrics"]
    assert out["config"]["split"] == "train" and isinstance(out["failures"], list)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".md"]


def test_gyde_eval_gate_fails_on_a_failing_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text(
        "scenarios:\n  - name: wrong on purpose\n    turns: [{caller: stop}]\n    expect: {outcome: scheduled}\n",
        encoding="utf-8",
    )
    code = main(["eval", "--scenarios", str(scenarios), "--gate", "--report-dir", str(tmp_path)])
    assert code == 1 and "FAIL wrong on purpose" in capsys.readouterr().out
    assert main(["eval", "--scenarios", str(tmp_path / "missing.yaml")]) == 2


def test_gyde_eval_compare_reports_a_delta(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["eval", "--conversations", "3", "--compare", "v2", "v3", "--json", "--report-dir", str(tmp_path)]
    )
    out = json.loads(capsys.readouterr().out)["compare"]
    assert code == 0 and out["versions"] == ["v2", "v3"] and set(out["runs"]) == {"v2", "v3"}
    assert all(v == 0 for v in out["delta"].values()) and "ignores prompts" in out["note"]


def _record(sid: str, version: str, outcome: str, flagged: bool) -> CallEvaluationRecord:
    return CallEvaluationRecord(
        sid, "camp", "c1", version, "control", outcome, 5, 0, 0, flagged, "sampled" if flagged else "",
        "emma: hi\ncaller: [REDACTED]" if flagged else None,
    )  # fmt: skip


def test_review_queue_and_ab_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    import db.models_evals  # noqa: F401  (registers the table for create_all)

    url = f"sqlite:///{tmp_path}/review.db"

    async def setup() -> int:
        db = Database(url)
        await db.create_all()
        await repo.record_call(db, _record("CA1", "v2", "scheduled", True))
        await repo.record_call(db, _record("CA1", "v2", "declined", True))  # the same call again: ignored
        await repo.record_call(db, _record("CA2", "v3", "declined", False))
        await repo.record_call(db, _record("CA3", "v2", "declined", False))
        assert await repo.outcome_counts(db) == {"v2": {"scheduled": 1, "declined": 1}, "v3": {"declined": 1}}
        queue = await repo.review_queue(db)
        assert [q["call_sid"] for q in queue] == ["CA1"] and "[REDACTED]" in queue[0]["transcript"]
        with pytest.raises(ValueError, match="verdict"):
            await repo.mark_reviewed(db, queue[0]["id"], reviewer="ana", verdict="meh")
        await db.dispose()
        return int(queue[0]["id"])

    item = str(asyncio.run(setup()))
    review = ["review", "--database-url", url]
    assert main([*review, "mark", item, "--verdict", "good", "--reviewer", "ana"]) == 0
    capsys.readouterr()
    assert main([*review, "list", "--status", "reviewed", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["verdict"] == "good" and listed[0]["reviewer"] == "ana"
    assert main([*review, "list"]) == 0 and capsys.readouterr().out == ""  # nothing pending any more
    assert main([*review, "show", item]) == 0
    assert "outcome scheduled" in capsys.readouterr().out
    assert main([*review, "ab", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["v3"] == {"declined": 1}
    assert main([*review, "show", "999"]) == 1


def test_gyde_eval_against_a_model_needs_its_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from settings import get_settings

    monkeypatch.setenv("GYDE_OPENAI_API_KEY", "")
    get_settings.cache_clear()
    try:
        assert main(["eval", "--llm", "openai", "--conversations", "1"]) == 2
        assert "GYDE_OPENAI_API_KEY" in capsys.readouterr().err
        assert main(["eval", "--llm", "openai", "--prompt", "v99", "--conversations", "1"]) == 2
    finally:
        get_settings.cache_clear()
