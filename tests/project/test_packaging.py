"""The installed `gyde` command must import every package the code uses: tests run from the
repository root (where anything imports), `make demo` runs the installed entry point (where only
packaged code imports). A package missing from pyproject.toml fails here, not in the demo."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"tests"}


def _config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        tool: dict[str, object] = tomllib.load(fh)["tool"]["setuptools"]
    return tool


def test_every_top_level_package_is_packaged() -> None:
    patterns = _config()["packages"]["find"]["include"]  # type: ignore[index]
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name not in NOT_SHIPPED)
    missing = [name for name in packages if not any(fnmatch.fnmatch(name, pat) for pat in patterns)]
    assert packages and not missing, f"add to [tool.setuptools.packages.find] include: {missing}"


def test_every_top_level_module_is_packaged() -> None:
    modules = set(_config()["py-modules"])  # type: ignore[arg-type]
    present = {p.stem for p in ROOT.glob("*.py")}
    assert present and present <= modules, f"add to [tool.setuptools] py-modules: {sorted(present - modules)}"
