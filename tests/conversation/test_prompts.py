"""Versioned prompts: validated at load, every version renders, released ones never change,
A/B assignment is deterministic per campaign and client."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversation.personas import SIM_CLIENT, SIM_NOW
from conversation.prompts import (
    PROMPTS_DIR,
    WITHHELD,
    Experiment,
    PromptCatalog,
    PromptError,
    file_sha256,
    load_version,
    released_hashes,
)
from domain.enums import Stage

CATALOG = PromptCatalog.load()
CONTEXT, _ = SIM_CLIENT.split()


@pytest.mark.parametrize("version", sorted(CATALOG.versions))
@pytest.mark.parametrize("verified", [False, True])
def test_every_version_renders(version: str, verified: bool) -> None:
    prompt = CATALOG.get(version).render(CONTEXT, verified=verified, stage=Stage.PRESENT, now=SIM_NOW)
    assert "Maria" in prompt and "Dana Whitfield" in prompt and "{" not in prompt
    assert ("Silver PPO" in prompt) is verified
    assert (WITHHELD in prompt) is not verified
    assert "Monday, November thirtieth at ten a.m." in prompt  # client's local time, for the ear


def test_released_versions_are_never_edited() -> None:
    pins = released_hashes()
    folder = PROMPTS_DIR / "emma"
    released = {v for v, p in CATALOG.versions.items() if p.status == "released"}
    assert released == set(pins), "every released version is pinned in RELEASED.sha256 (and only those)"
    for version, digest in pins.items():
        assert file_sha256(folder / f"{version}.yaml") == digest, f"{version} was edited after release"


def test_ab_assignment_is_deterministic_and_near_the_percentage() -> None:
    experiment = Experiment(control="v1", candidate="v2", candidate_percent=20)
    arms = [experiment.assign("camp-1", f"client-{i}") for i in range(2000)]
    assert arms == [experiment.assign("camp-1", f"client-{i}") for i in range(2000)]
    share = arms.count("v2") / len(arms)
    assert 0.17 < share < 0.23
    other = [experiment.assign("camp-2", f"client-{i}") for i in range(200)]
    assert other != arms[:200]  # a different campaign reshuffles
    assert Experiment(control="v1").assign("c", "x") == "v1"
    assert Experiment(control="v1", candidate="v2", candidate_percent=100).assign("c", "x") == "v2"
    assert CATALOG.for_call("camp-1", "client-0").version in ("v1", "v2")


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


GOOD = (PROMPTS_DIR / "emma" / "v1.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD.replace("{first_name}", "{ssn}"), "unknown placeholders: ssn"),
        (GOOD.replace("{first_name}", "{medical_notes}"), "unknown placeholders: medical_notes"),
        (GOOD.replace("status: released", "status: shipped"), "status"),
        (GOOD.replace("version: v1", "version: one"), "version"),
        (GOOD + "\nsurprise: field\n", "surprise"),
        ("version: [unclosed", "not valid YAML"),
        (GOOD.replace("{first_name}", "{first_name"), "bad template syntax"),
    ],
)
def test_bad_prompt_files_fail_at_load_with_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, "v1.yaml", body)
    with pytest.raises(PromptError, match=message):
        load_version(path)


def test_catalog_checks_names_and_experiments(tmp_path: Path) -> None:
    folder = tmp_path / "emma"
    folder.mkdir()
    _write(folder, "v3.yaml", GOOD)
    with pytest.raises(PromptError, match="does not match the file name"):
        PromptCatalog.load(root=tmp_path)
    (folder / "v3.yaml").unlink()
    _write(folder, "v1.yaml", GOOD)
    _write(folder, "experiments.yaml", "default:\n  control: v1\n  candidate: v9\n  candidate_percent: 10\n")
    with pytest.raises(PromptError, match="unknown prompt version 'v9'"):
        PromptCatalog.load(root=tmp_path)
    _write(folder, "experiments.yaml", "default:\n  control: v1\n  candidate_percent: 101\n")
    with pytest.raises(PromptError, match="experiments.yaml"):
        PromptCatalog.load(root=tmp_path)
    with pytest.raises(PromptError, match="no prompt folder"):
        PromptCatalog.load("nobody", root=tmp_path)
    with pytest.raises(PromptError, match="unknown prompt version"):
        CATALOG.get("v999")
