"""The phrasing generator: many ways of saying each thing a caller says, combined at random.

A phrasing bank is a YAML file of kinds (opt_out, give_dob, ask_day_time...), each a list of
templates. Template syntax: `(a|b|c)` picks one, `[words]` is optional, `{name}` is filled from
the values given (a name, a date, a time already rendered). Two banks exist: `train` (evals run on
it by default and the intent classifier is trained on it) and `heldout` (written with different
wording, never read by policy code; `--split heldout` measures generalisation).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PHRASINGS_DIR = Path(__file__).resolve().parent / "phrasings"
SPLITS = ("train", "heldout")
_TOKEN = re.compile(r"\(|\)|\[|\]|\|")


class PhrasingError(ValueError):
    """A phrasing bank is malformed."""


Node = list[object]  # text pieces and (kind, alternatives) pairs


def _parse(template: str) -> Node:
    """Template -> nested ['text', ('choice', [alts]), ('optional', [...])] tree."""
    stack: list[tuple[str, list[Node]]] = [("root", [[]])]
    pos = 0
    for match in _TOKEN.finditer(template):
        if match.start() > pos:
            stack[-1][1][-1].append(template[pos : match.start()])
        token = match.group(0)
        if token in "([":
            stack.append(("choice" if token == "(" else "optional", [[]]))
        elif token == "|":
            stack[-1][1].append([])
        else:
            kind, alternatives = stack.pop()
            if (kind == "choice") != (token == ")") or not stack:
                raise PhrasingError(f"unbalanced brackets in {template!r}")
            stack[-1][1][-1].append((kind, alternatives))
        pos = match.end()
    if len(stack) != 1:
        raise PhrasingError(f"unbalanced brackets in {template!r}")
    stack[0][1][-1].append(template[pos:])
    return stack[0][1][0]


def _render(node: Node, rng: random.Random) -> str:
    out: list[str] = []
    for part in node:
        if isinstance(part, str):
            out.append(part)
            continue
        assert isinstance(part, tuple)
        kind: str = part[0]
        alternatives: list[Node] = part[1]
        if kind == "optional":
            if rng.random() < 0.5:
                out.append(_render(rng.choice(alternatives), rng))
        else:
            out.append(_render(rng.choice(alternatives), rng))
    return "".join(out)


@dataclass(frozen=True)
class PhraseBank:
    split: str
    kinds: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, split: str = "train", root: Path = PHRASINGS_DIR) -> PhraseBank:
        return _load(split, root)

    def say(self, kind: str, rng: random.Random, **values: str) -> str:
        templates = self.kinds.get(kind)
        if not templates:
            raise PhrasingError(f"phrasing bank {self.split!r} has no kind {kind!r}")
        text = _render(_parse(rng.choice(templates)), rng)
        try:
            text = text.format(**values)
        except KeyError as exc:
            raise PhrasingError(f"{kind}: template needs {exc}") from None
        return re.sub(r"\s+", " ", text).strip()

    def expand_all(self, kind: str, rng: random.Random, per_template: int, **values: str) -> list[str]:
        """Several realisations of every template of a kind (the classifier's corpus)."""
        out: list[str] = []
        for template in self.kinds.get(kind, ()):
            tree = _parse(template)
            for _ in range(per_template):
                out.append(re.sub(r"\s+", " ", _render(tree, rng).format(**values)).strip())
        return out


@lru_cache(maxsize=4)
def _load(split: str, root: Path) -> PhraseBank:
    if split not in SPLITS:
        raise PhrasingError(f"unknown split {split!r} (use {' or '.join(SPLITS)})")
    path = root / f"{split}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise PhrasingError(f"{path.name}: expected a mapping of kinds to templates")
    kinds: dict[str, tuple[str, ...]] = {}
    for kind, templates in raw.items():
        if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
            raise PhrasingError(f"{path.name}: {kind} must be a list of strings")
        for template in templates:
            _parse(template)
        kinds[str(kind)] = tuple(templates)
    return PhraseBank(split, kinds)
