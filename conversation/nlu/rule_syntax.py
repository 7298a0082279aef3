"""The grammar's rule syntax: word classes from lexicon.yaml, `{CLASS}` and `{GAPn}` macros
compiled into word-bounded regexes over the ' '-joined lemmas."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
_MACRO = re.compile(r"\{([A-Z_]+)(\d*)\}")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    return {name: tuple(str(entry) for entry in entries) for name, entries in raw.items()}


def _alternation(name: str) -> str:
    entries = sorted(set(lexicon()[name]), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(e).replace(r"\ ", " ") for e in entries) + ")"


def compile_rule(pattern: str) -> re.Pattern[str]:
    """'{STOP_V} {GAP2}{CONTACT_V}' -> a regex over ' '-joined lemmas, word-bounded."""

    def expand(match: re.Match[str]) -> str:
        name, count = match.group(1), match.group(2)
        if name == "GAP":
            return rf"(?:\S+ ){{0,{count or 1}}}"
        return _alternation(name)

    body = re.sub(
        r"(?<!\\)\$", r" ?$", _MACRO.sub(expand, pattern)
    )  # texts are searched with a trailing space
    return re.compile(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])")
