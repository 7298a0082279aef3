"""Reproducible installs: uv.lock pins every package, `make` (so CI) and the Dockerfile install
exactly the lock, and a pyproject.toml change without `make lock` is an error, not a re-resolve."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# The project needs no deep-learning stack: a dependency that drags one in shows up here.
HEAVY = re.compile(r"^(torch|torchvision|torchaudio|triton|tensorflow|jax|nvidia-.*)$")
UV_PIN = re.compile(r"uv==(\d+\.\d+\.\d+)")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = NAME.match(requirement)
    assert match, f"not a requirement: {requirement!r}"
    return normalized(match.group(1))


def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        table: dict[str, Any] = tomllib.load(fh)["project"]
    return table


def lock() -> dict[str, Any]:
    with (ROOT / "uv.lock").open("rb") as fh:
        return tomllib.load(fh)


def declared() -> set[str]:
    table = project()
    return {requirement_name(r) for r in [*table["dependencies"], *table["optional-dependencies"]["dev"]]}


def locked_packages() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for package in lock()["package"]:
        found.setdefault(normalized(package["name"]), []).append(package)
    return found


def test_the_lock_pins_every_declared_dependency_to_a_registry_release() -> None:
    packages = locked_packages()
    names = declared()
    assert len(names) > 50  # the parse found pyproject's lists
    missing = sorted(names - set(packages))
    assert missing == [], f"run `make lock`: not in uv.lock: {missing}"
    for name in names:
        for package in packages[name]:
            assert package.get("version") and "registry" in package["source"], package


def test_the_lock_was_made_from_this_pyproject() -> None:
    [root] = locked_packages()[normalized(project()["name"])]
    assert root["source"] == {"editable": "."}
    assert {normalized(r["name"]) for r in root["metadata"]["requires-dist"]} == declared()
    assert root["metadata"]["provides-extras"] == ["dev"]
    assert lock()["requires-python"] == project()["requires-python"]


def test_the_lock_pulls_in_no_torch_or_cuda() -> None:
    heavy = sorted(name for name in locked_packages() if HEAVY.match(name))
    assert heavy == [], f"these do not belong in gyde's install: {heavy}"


def test_make_installs_exactly_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    [install] = re.findall(r"^\$\(STAMP\):(.*)$", makefile, re.MULTILINE)
    assert {"uv.lock", "pyproject.toml"} <= set(install.split()), "the stamp must depend on both"
    assert re.search(r"^\t\$\(UV\) sync --locked --extra dev$", makefile, re.MULTILINE)
    assert re.search(r"^lock:.*\n\t\$\(UV\) lock$", makefile, re.MULTILINE)
    assert "pip install -e" not in makefile and "pip install --quiet -e" not in makefile
    assert re.search(r"^UV_VERSION := \d+\.\d+\.\d+$", makefile, re.MULTILINE)


def test_the_image_installs_the_lock_with_the_same_uv() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "uv sync --locked" in dockerfile and "COPY pyproject.toml uv.lock" in dockerfile
    [make_uv] = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert UV_PIN.findall(dockerfile) == [make_uv]
