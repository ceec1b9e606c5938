"""Blueprints: an exam's domains with their weights and competencies, its length, time and
pass mark, as data (`content/blueprints/*.yaml`). A certificate records the blueprint id it
was earned on, so both the 2023 and the 2025 ICA curricula are kept."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, ValidationError, model_validator

from meshcert.grading.checks.base import Model

from .locations import ContentError, content_root


class Domain(Model):
    name: str
    weight: int = Field(ge=1, le=100, description="percent of the exam")
    competencies: tuple[str, ...] = Field(min_length=1)


class TaskCount(Model):
    min: int = Field(ge=1)
    max: int = Field(ge=1)


class Blueprint(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    effective: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="date the curriculum took effect"
    )
    istio_version: str | None = Field(default=None, description="of the exam environment")
    minutes: int = Field(ge=1)
    pass_mark: int = Field(ge=1, le=100, description="percent of the points")
    tasks: TaskCount
    domains: tuple[Domain, ...] = Field(min_length=1)
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Blueprint:
        total = sum(d.weight for d in self.domains)
        if total != 100:
            raise ValueError(f"domain weights add up to {total}, not 100")
        if self.tasks.min > self.tasks.max:
            raise ValueError("tasks.min is more than tasks.max")
        names = [c for d in self.domains for c in d.competencies]
        if len(set(names)) != len(names):
            raise ValueError("a competency is listed twice")
        return self

    def domain_of(self, competency: str) -> Domain | None:
        return next((d for d in self.domains if competency in d.competencies), None)

    @property
    def competencies(self) -> tuple[str, ...]:
        return tuple(c for d in self.domains for c in d.competencies)


def load_blueprint_file(path: Path) -> Blueprint:
    try:
        doc = yaml.safe_load(path.read_text())
        blueprint = Blueprint.model_validate(doc)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ContentError(f"{path}: {exc}") from exc
    if blueprint.id != path.stem:
        raise ContentError(f"{path}: id {blueprint.id!r} differs from the file name")
    return blueprint


def load_blueprints(root: Path | None = None) -> dict[str, Blueprint]:
    """Every blueprint under `root/blueprints`, by id."""
    folder = (root or content_root()) / "blueprints"
    found = [load_blueprint_file(p) for p in sorted(folder.glob("*.yaml"))]
    return {b.id: b for b in found}


__all__ = ["Blueprint", "Domain", "TaskCount", "load_blueprint_file", "load_blueprints"]
