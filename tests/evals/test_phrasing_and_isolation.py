"""The phrasing generator, and the held-out split's isolation: no policy code reads it, at
import time or while a conversation runs."""

from __future__ import annotations

import ast
import random
import sys
from pathlib import Path

import pytest

from evals.phrasing import PHRASINGS_DIR, PhraseBank, PhrasingError, _parse, _render

ROOT = Path(__file__).resolve().parents[2]
POLICY_CODE = ROOT / "conversation"


def test_template_syntax_picks_and_options() -> None:
    rng = random.Random(4)
    seen = {_render(_parse("(stop|quit) calling[ me]"), rng) for _ in range(60)}
    assert seen == {"stop calling", "quit calling", "stop calling me", "quit calling me"}
    with pytest.raises(PhrasingError, match="unbalanced"):
        _parse("(stop|quit calling")
    with pytest.raises(PhrasingError, match="unbalanced"):
        _parse("stop] calling")


def test_both_banks_load_and_share_their_kinds() -> None:
    train, heldout = PhraseBank.load("train"), PhraseBank.load("heldout")
    assert set(train.kinds) == set(heldout.kinds)
    with pytest.raises(PhrasingError, match="unknown split"):
        PhraseBank.load("test")
    with pytest.raises(PhrasingError, match="no kind"):
        train.say("nothing", random.Random(0))


def test_heldout_templates_are_not_training_templates() -> None:
    train, heldout = PhraseBank.load("train"), PhraseBank.load("heldout")
    for kind, templates in heldout.kinds.items():
        assert not set(templates) & set(train.kinds[kind]), kind


def test_no_policy_module_names_the_evals_or_the_heldout_split() -> None:
    offenders = []
    for path in POLICY_CODE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "heldout" in source.lower() or "held_out" in source.lower():
            offenders.append(f"{path}: mentions the held-out split")
        for node in ast.walk(ast.parse(source)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: imports {n}" for n in names if n == "evals" or n.startswith("evals.")]
    assert not offenders, offenders


async def test_a_conversation_never_opens_the_heldout_file() -> None:
    from evals.runner import EvalConfig, run_conversation

    opened: list[str] = []

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and args and isinstance(args[0], str | Path):
            opened.append(str(args[0]))

    sys.addaudithook(hook)  # audit hooks cannot be removed; this one only appends to a list
    for index in range(6):
        await run_conversation(EvalConfig(conversations=6, seed=9, split="train"), index)
    assert not [p for p in opened if Path(p).name == "heldout.yaml"]
    assert (PHRASINGS_DIR / "heldout.yaml").exists()
