"""Prompt rollback without a deploy: editing experiments.yaml changes the version the next call
gets (no restart); an edit that does not load keeps the last good catalog."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from conversation.prompt_reload import ReloadingCatalog
from conversation.prompts import PROMPTS_DIR


def copy_prompts(tmp_path: Path) -> Path:
    shutil.copytree(PROMPTS_DIR / "emma", tmp_path / "emma")
    return tmp_path / "emma" / "experiments.yaml"


def write(path: Path, data: object) -> None:
    stat = path.stat()
    path.write_text(yaml.safe_dump(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later mtime, always


def arms(catalog: ReloadingCatalog) -> set[str]:
    return {catalog.current().for_call("camp-1", f"client-{i}").version for i in range(200)}


def test_an_edit_of_experiments_rolls_back_at_the_next_call(tmp_path: Path) -> None:
    experiments = copy_prompts(tmp_path)
    write(experiments, {"default": {"control": "v2", "candidate": "v3", "candidate_percent": 50}})
    catalog = ReloadingCatalog(root=tmp_path)
    assert arms(catalog) == {"v2", "v3"}
    write(experiments, {"default": {"control": "v1"}})  # roll back to v1 for everyone
    assert arms(catalog) == {"v1"}


def test_a_broken_edit_keeps_the_last_good_catalog(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    experiments = copy_prompts(tmp_path)
    write(experiments, {"default": {"control": "v2"}})
    catalog = ReloadingCatalog(root=tmp_path)
    write(experiments, {"default": {"control": "v99"}})  # names no version
    assert arms(catalog) == {"v2"}
    assert "do not load" in caplog.text
    write(experiments, {"default": {"control": "v3"}})  # fixed: taken again
    assert arms(catalog) == {"v3"}
