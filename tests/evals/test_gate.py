"""The `make test` gate: a fixed subset of the eval - the hand-written gate scenarios and a fixed
synthetic sample on both phrasing splits - with 0 HIPAA violations, 0 hallucinations and every
opt-out honoured in the turn it was said."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.run import run_eval
from evals.runner import EvalConfig
from evals.scenarios import SCENARIOS_DIR, ScenarioError, load_scenarios, run_scenario

GATE = SCENARIOS_DIR / "gate.yaml"


@pytest.mark.parametrize("scenario", load_scenarios(GATE), ids=lambda s: s.name)
async def test_gate_scenario(scenario: object) -> None:
    result = await run_scenario(scenario)  # type: ignore[arg-type]
    assert result.passed, (result.failures, result.transcript)


@pytest.mark.parametrize(("split", "seed"), [("train", 11), ("heldout", 12)])
async def test_gate_sample(split: str, seed: int) -> None:
    report = await run_eval(EvalConfig(conversations=60, seed=seed, split=split))
    m = report.metrics()
    failing = [f["reasons"] for f in report.failures()]
    assert m["hipaa_violations"] == 0, failing
    assert m["hallucinations"] == 0, failing
    assert m["opt_out_requests"] > 0 and m["opt_out_in_turn"] == m["opt_out_requests"], failing
    assert m["opt_out_false_positive_rate"] == 0, failing


def test_a_broken_scenario_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenarios:\n  - name: x\n    turns: [{caller: hi, expect: {colour: red}}]\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="colour"):
        load_scenarios(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="scenarios"):
        load_scenarios(bad)


async def test_a_scenario_can_fail(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenarios:\n"
        "  - name: expects the wrong thing\n"
        "    turns:\n"
        "      - caller: 'not interested'\n"
        "        expect: {outcome: opted_out, says: ['removed']}\n"
        "    expect: {dnc: true}\n",
        encoding="utf-8",
    )
    result = await run_scenario(load_scenarios(path)[0])
    assert not result.passed and len(result.failures) == 3
