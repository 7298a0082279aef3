"""Versioned prompt files: loaded and validated at load time, rendered from an AgentContext,
assigned per campaign by a deterministic A/B split."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conversation.context import AgentContext
from conversation.speech_text import speak_datetime
from domain.enums import Stage

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
WITHHELD = "(withheld until identity is verified)"

# Every placeholder a template may use; each is filled from AgentContext or call state only.
PLACEHOLDERS = frozenset(
    {
        "first_name",
        "client_id",
        "broker_name",
        "broker_id",
        "verified",
        "current_plan",
        "coverage_gaps",
        "has_spouse",
        "products",
        "stage",
        "local_time",
        "timezone",
    }
)


class PromptError(ValueError):
    """A prompt file is malformed; raised at load time, never mid-call."""


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"bad template syntax: {exc}") from exc


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    caller: str = Field(min_length=1)
    emma: str = Field(min_length=1)


class PromptVersion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=r"^v\d+$")
    agent: str = Field(min_length=1)
    status: Literal["draft", "released"]
    identity: str = Field(min_length=10)
    objective: str = Field(min_length=10)
    context_template: str = Field(min_length=10)
    constraints: tuple[str, ...] = Field(min_length=1)
    examples: tuple[Example, ...] = ()

    @field_validator("identity", "objective", "context_template")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        unknown = _placeholders(value) - PLACEHOLDERS
        if unknown:
            raise ValueError(f"unknown placeholders: {', '.join(sorted(unknown))}")
        return value

    @model_validator(mode="after")
    def _context_names_the_client(self) -> PromptVersion:
        if "first_name" not in _placeholders(self.context_template):
            raise ValueError("context_template must use {first_name}")
        return self

    def render(
        self,
        context: AgentContext,
        *,
        verified: bool,
        stage: Stage,
        now: datetime,
    ) -> str:
        """The system prompt. Before verification the plan and gaps are withheld."""
        values = prompt_values(context, verified=verified, stage=stage, now=now)
        sections = [
            self.identity.format(**values).strip(),
            "Objective:\n" + self.objective.format(**values).strip(),
            "Context:\n" + self.context_template.format(**values).strip(),
            "Rules:\n" + "\n".join(f"- {c}" for c in self.constraints),
        ]
        if self.examples:
            sections.append(
                "Examples:\n" + "\n".join(f"Caller: {e.caller}\nEmma: {e.emma}" for e in self.examples)
            )
        return "\n\n".join(sections)


def prompt_values(context: AgentContext, *, verified: bool, stage: Stage, now: datetime) -> dict[str, str]:
    """The only values a template can reach: built field by field from the AgentContext."""
    zone = ZoneInfo(context.timezone)
    return {
        "first_name": context.first_name,
        "client_id": context.client_id,
        "broker_name": context.broker_name,
        "broker_id": context.broker_id,
        "verified": "yes" if verified else "no",
        "current_plan": (context.current_plan or "unknown") if verified else WITHHELD,
        "coverage_gaps": (", ".join(context.coverage_gaps) or "none on file") if verified else WITHHELD,
        "has_spouse": ("yes" if context.has_spouse else "no") if verified else WITHHELD,
        "products": ", ".join(p.value for p in context.products),
        "stage": stage.value,
        "local_time": speak_datetime(now.astimezone(zone)),
        "timezone": context.timezone,
    }


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    control: str
    candidate: str | None = None
    candidate_percent: int = Field(default=0, ge=0, le=100)

    def assign(self, campaign_id: str, client_id: str) -> str:
        """Deterministic arm: the same campaign and client always get the same version."""
        if not self.candidate or self.candidate_percent == 0:
            return self.control
        digest = hashlib.sha256(f"{campaign_id}:{client_id}".encode()).hexdigest()
        return self.candidate if int(digest[:8], 16) % 100 < self.candidate_percent else self.control


class Experiments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Experiment
    campaigns: dict[str, Experiment] = Field(default_factory=dict)

    def for_campaign(self, campaign_id: str) -> Experiment:
        return self.campaigns.get(campaign_id, self.default)


class PromptCatalog:
    """Every version of one agent's prompt, validated when loaded."""

    def __init__(self, versions: Mapping[str, PromptVersion], experiments: Experiments) -> None:
        self.versions = dict(versions)
        self.experiments = experiments
        for experiment in [experiments.default, *experiments.campaigns.values()]:
            for name in (experiment.control, experiment.candidate):
                if name is not None and name not in self.versions:
                    raise PromptError(f"experiment names unknown prompt version {name!r}")

    @classmethod
    def load(cls, agent: str = "emma", root: Path = PROMPTS_DIR) -> PromptCatalog:
        folder = root / agent
        if not folder.is_dir():
            raise PromptError(f"no prompt folder {folder}")
        versions: dict[str, PromptVersion] = {}
        for path in sorted(folder.glob("v*.yaml")):
            version = load_version(path)
            if version.version != path.stem:
                raise PromptError(f"{path.name}: version {version.version!r} does not match the file name")
            versions[version.version] = version
        if not versions:
            raise PromptError(f"no prompt versions in {folder}")
        experiments_path = folder / "experiments.yaml"
        raw = (
            _read_yaml(experiments_path)
            if experiments_path.exists()
            else {"default": {"control": max(versions)}}
        )
        try:
            experiments = Experiments.model_validate(raw)
        except ValidationError as exc:
            raise PromptError(f"{experiments_path.name}: {exc}") from exc
        return cls(versions, experiments)

    def get(self, version: str) -> PromptVersion:
        try:
            return self.versions[version]
        except KeyError:
            raise PromptError(f"unknown prompt version {version!r}") from None

    def for_call(self, campaign_id: str, client_id: str) -> PromptVersion:
        return self.get(self.experiments.for_campaign(campaign_id).assign(campaign_id, client_id))


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path.name}: not valid YAML: {exc}") from exc


def load_version(path: Path) -> PromptVersion:
    raw = _read_yaml(path)
    try:
        return PromptVersion.model_validate(raw)
    except ValidationError as exc:
        raise PromptError(f"{path.name}: {exc}") from exc


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def released_hashes(agent: str = "emma", root: Path = PROMPTS_DIR) -> dict[str, str]:
    """The pinned hash of each released version (RELEASED.sha256: '<version> <sha256>' lines)."""
    path = root / agent / "RELEASED.sha256"
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            version, digest = line.split()
            pins[version] = digest
    return pins
