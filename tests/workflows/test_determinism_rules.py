"""The worker loads `workflows` and `domain` once, outside the sandbox's per-run reload
(worker.DETERMINISTIC_MODULES), so the sandbox's run-time checks no longer see their code. This
test checks the same rules in their source instead: no clock, randomness, I/O, environment or
thread calls, and no mutable state at module level that runs could share. (The replay test and
tests/workflows/test_outreach_mocked.py still run the workflows in the strict default sandbox.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import worker

ROOT = Path(__file__).resolve().parents[2]

# Calls a workflow must make through Temporal (workflow.now, workflow.random, workflow.uuid4,
# workflow.sleep) or not at all.
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("time", "sleep"),
    ("asyncio", "sleep"),
    ("os", "getenv"),
    ("uuid", "uuid1"),
    ("uuid", "uuid4"),
    ("random", "random"),
    ("random", "randint"),
    ("random", "choice"),
    ("random", "shuffle"),
    ("random", "uniform"),
}
FORBIDDEN_NAMES = {"open", "input", "print"}
FORBIDDEN_IMPORTS = {
    "random",
    "secrets",
    "socket",
    "subprocess",
    "threading",
    "httpx",
    "requests",
    "sqlalchemy",
    "logging",
}
MUTABLE_LITERALS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
MUTABLE_FACTORIES = {"list", "dict", "set", "defaultdict", "deque", "Counter", "OrderedDict"}


def shared_modules() -> list[Path]:
    files: list[Path] = []
    for package in worker.DETERMINISTIC_MODULES:
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return files


def _dotted(node: ast.expr) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def violations(source: str) -> list[str]:
    """Each rule broken in one module's source, as 'line: what'."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name[-2:] in FORBIDDEN_CALLS:
                found.append(f"{node.lineno}: calls {'.'.join(name)}")
            if len(name) == 1 and name[0] in FORBIDDEN_NAMES:
                found.append(f"{node.lineno}: calls {name[0]}()")
        if isinstance(node, ast.Attribute) and _dotted(node)[-2:] == ("os", "environ"):
            found.append(f"{node.lineno}: reads os.environ")
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: imports {a.name}"
                for a in node.names
                if a.name.split(".")[0] in FORBIDDEN_IMPORTS
            ]
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_IMPORTS:
            found.append(f"{node.lineno}: imports from {node.module}")
    for statement in tree.body:  # module level only: class and function bodies are per run
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        if value is None or any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        factory = isinstance(value, ast.Call) and _dotted(value.func)[-1:] in {
            (f,) for f in MUTABLE_FACTORIES
        }
        if isinstance(value, MUTABLE_LITERALS) or factory:
            found.append(f"{statement.lineno}: mutable module-level state")
    return found


@pytest.mark.parametrize("path", shared_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_workflow_modules_keep_the_sandbox_rules(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


def test_the_worker_shares_the_checked_packages_and_they_hold_modules() -> None:
    assert set(worker.DETERMINISTIC_MODULES) == {"workflows", "domain"}
    assert len(shared_modules()) > 10
    runner = worker.WORKFLOW_RUNNER
    assert set(worker.DETERMINISTIC_MODULES) <= set(runner.restrictions.passthrough_modules)


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("from datetime import datetime\nx = lambda: datetime.now()\n", "datetime.now"),
        ("import time\ndef f():\n    return time.time()\n", "time.time"),
        ("import random\n", "imports random"),
        ("import os\ndef f():\n    return os.environ['X']\n", "os.environ"),
        ("def f():\n    return open('x')\n", "open()"),
        ("import asyncio\nasync def f():\n    await asyncio.sleep(1)\n", "asyncio.sleep"),
        ("SEEN = set()\n", "mutable module-level state"),
        ("from collections import deque\nQUEUE = deque()\n", "mutable module-level state"),
        ("CACHE: dict[str, int] = {}\n", "mutable module-level state"),
    ],
)
def test_each_rule_catches_its_breach(source: str, rule: str) -> None:
    assert any(rule in v for v in violations(source)), violations(source)


def test_clean_workflow_code_passes() -> None:
    source = (
        "from temporalio import workflow\n"
        "NAMES = ('a', 'b')\n"
        "def f():\n    seen = set()\n    return workflow.now(), seen\n"
    )
    assert violations(source) == []
