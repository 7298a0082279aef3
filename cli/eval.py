"""`gyde eval`: run the agent over synthetic conversations (and hand-written YAML scenarios) and
report the metrics of docs/evals.md. Offline by default (the local policy); `--llm openai` or
`--llm anthropic` runs the same conversations against a model with a prompt version.

    gyde eval --conversations 500 --seed 1 --json
    gyde eval --conversations 200 --seed 1 --split heldout
    gyde eval --scenarios evals/scenarios/gate.yaml
    gyde eval --llm openai --prompt v3 --conversations 50 --seed 1
    gyde eval --llm anthropic --compare v2 v3 --conversations 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_CONVERSATIONS = 100


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("eval", help="evaluate Emma over synthetic conversations (offline by default)")
    parser.add_argument(
        "--conversations",
        type=int,
        default=None,
        help=f"synthetic conversations (default {DEFAULT_CONVERSATIONS})",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", choices=("train", "heldout"), default="train", help="phrasing split")
    parser.add_argument("--llm", choices=("local", "openai", "anthropic", "llama"), default="local")
    parser.add_argument(
        "--prompt", metavar="VERSION", help="prompt version for --llm (default: the catalog's control)"
    )
    parser.add_argument(
        "--scenarios", metavar="FILE", type=Path, help="hand-written YAML scenarios to run too"
    )
    parser.add_argument(
        "--compare", nargs=2, metavar=("V1", "V2"), help="run the same conversations with two prompt versions"
    )
    parser.add_argument(
        "--report-dir", type=Path, default=Path("var/evals"), help="where the JSON and markdown reports go"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--gate",
        action="store_true",
        help="exit 1 unless 0 HIPAA violations, 0 hallucinations, every opt-out in-turn",
    )
    parser.set_defaults(func=run)


class EvalSetupError(Exception):
    """Bad arguments or a provider that cannot be built."""


def run(args: argparse.Namespace) -> int:
    try:
        result = asyncio.run(_run(args))
    except EvalSetupError as exc:
        print(f"gyde eval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, default=str))
    else:
        _print_summary(result)
    return 1 if args.gate and not gate_passes(result) else 0


def gate_passes(result: dict[str, Any]) -> bool:
    """The make-test gate: nothing private leaked, nothing invented, every opt-out honoured in-turn."""
    runs = list(result["compare"]["runs"].values()) if "compare" in result else [result]
    for run_result in runs:
        m = run_result.get("metrics") or {}
        if m and (
            m["hipaa_violations"] or m["hallucinations"] or m["opt_out_in_turn"] != m["opt_out_requests"]
        ):
            return False
        if any(not s["passed"] for s in run_result.get("scenarios", [])):
            return False
    return True


def _prompt_for(args: argparse.Namespace, version: str | None) -> Any:
    if args.llm == "local":
        return None
    from conversation.prompts import PromptCatalog, PromptError

    catalog = PromptCatalog.load()
    try:
        return catalog.get(version) if version else catalog.get(catalog.experiments.default.control)
    except PromptError as exc:
        raise EvalSetupError(str(exc)) from None


def _llm(args: argparse.Namespace) -> Any:
    if args.llm == "local":
        return None
    from cli.chat import ChatSetupError, _provider

    try:
        return _provider(args.llm)
    except ChatSetupError as exc:
        raise EvalSetupError(str(exc)) from None


async def _one_run(args: argparse.Namespace, prompt_version: str | None, llm: Any) -> dict[str, Any]:
    from evals.run import run_eval
    from evals.runner import EvalConfig

    prompt = _prompt_for(args, prompt_version)
    count = args.conversations
    if count is None:
        count = 0 if args.scenarios else DEFAULT_CONVERSATIONS
    out: dict[str, Any] = {}
    if count > 0:
        report = await run_eval(
            EvalConfig(conversations=count, seed=args.seed, split=args.split, llm=llm, prompt=prompt)
        )
        out = report.as_json()
        _write_report(
            args.report_dir,
            f"eval-{args.split}-seed{args.seed}-{prompt_version or args.llm}",
            out,
            report.markdown(),
        )
    if args.scenarios:
        out["scenarios"] = await _scenarios(args.scenarios, llm, prompt)
    return out


async def _scenarios(path: Path, llm: Any, prompt: Any) -> list[dict[str, Any]]:
    from evals.scenarios import ScenarioError, load_scenarios, run_scenario

    try:
        scenarios = load_scenarios(path)
    except ScenarioError as exc:
        raise EvalSetupError(str(exc)) from None
    return [(await run_scenario(s, llm=llm, prompt=prompt)).as_json() for s in scenarios]


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    llm = _llm(args)
    if not args.compare:
        return await _one_run(args, args.prompt, llm)
    first, second = args.compare
    runs = {version: await _one_run(args, version, llm) for version in (first, second)}
    deltas = {}
    a, b = runs[first].get("metrics", {}), runs[second].get("metrics", {})
    for key, value in a.items():
        if isinstance(value, int | float) and isinstance(b.get(key), int | float):
            deltas[key] = round(b[key] - value, 4)
    note = (
        "" if args.llm != "local" else "the local policy ignores prompts: compare with --llm openai|anthropic"
    )
    return {"compare": {"versions": [first, second], "runs": runs, "delta": deltas, "note": note}}


def _write_report(folder: Path, name: str, data: dict[str, Any], markdown: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(data, default=str, indent=2), encoding="utf-8")
    (folder / f"{name}.md").write_text(markdown, encoding="utf-8")


def _print_summary(result: dict[str, Any]) -> None:
    runs = result["compare"]["runs"] if "compare" in result else {"": result}
    for version, run_result in runs.items():
        if version:
            print(f"== prompt {version}")
        for key, value in (run_result.get("metrics") or {}).items():
            print(f"{key:32} {value}")
        for scenario in run_result.get("scenarios", []):
            status = "ok  " if scenario["passed"] else "FAIL"
            print(
                f"{status} {scenario['name']}"
                + ("" if scenario["passed"] else f": {'; '.join(scenario['failures'])}")
            )
    if "compare" in result:
        print("== delta (second - first)")
        for key, value in result["compare"]["delta"].items():
            print(f"{key:32} {value:+}")
        if result["compare"]["note"]:
            print(result["compare"]["note"])
