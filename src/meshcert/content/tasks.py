"""Tasks: the schema of a task file (`content/tasks/*.yaml`), loading, and instantiation for
a seed (parameters drawn, text rendered, checks parsed into grading's models).

A definition keeps its checks as YAML data until a seed renders them, since a check's
integer fields may be placeholders (`equals: "{{ weight }}"`); `instantiate` validates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, TypeAdapter, ValidationError, field_validator

from meshcert.grading.checks import Check, CheckBase
from meshcert.grading.checks.base import Model

from .locations import ContentError, content_root
from .parameters import Parameter, Value, draw
from .rendering import RenderError, render, render_text

CHECKS: TypeAdapter[list[Check]] = TypeAdapter(list[Check])


class ScenarioSpec(Model):
    """The starting cluster: a shipped lab scenario, then manifests (YAML text), then shell
    steps (kubectl / istioctl / helm, as in a solution) that break or prepare things."""

    base: str = "base"
    manifests: str = ""
    steps: str = ""


class NearMiss(Model):
    """A plausible wrong answer that must not get full marks."""

    title: str
    solution: str


class TaskDefinition(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=63)
    title: str = Field(min_length=5)
    domain: str
    competency: str
    also_covers: dict[str, str] = Field(
        default_factory=dict, description="blueprint id -> competency in that blueprint"
    )
    points: int = Field(ge=1)
    difficulty: Literal["easy", "medium", "hard"]
    minutes: int = Field(ge=1, le=20, description="time a prepared candidate needs")
    links: tuple[str, ...] = Field(min_length=1)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    scenario: ScenarioSpec
    prompt: str = Field(min_length=10)
    checks: tuple[dict[str, Any], ...] = Field(min_length=1)
    solution: str = Field(min_length=1)
    near_misses: tuple[NearMiss, ...] = ()
    explanation: str = Field(min_length=10)

    @field_validator("links")
    @classmethod
    def _istio_pages(cls, links: tuple[str, ...]) -> tuple[str, ...]:
        for link in links:
            if not link.startswith("https://istio.io/"):
                raise ValueError(f"{link}: links point at istio.io pages")
        return links

    def instantiate(self, seed: int) -> TaskInstance:
        """The task as attempt `seed` sees it. Raises ContentError when it does not render
        or its checks do not validate."""
        values = draw(self.id, self.parameters, seed)
        try:
            checks = tuple(CHECKS.validate_python(render(list(self.checks), values)))
            scenario = ScenarioSpec(
                base=self.scenario.base,
                manifests=render_text(self.scenario.manifests, values),
                steps=render_text(self.scenario.steps, values),
            )
            near = tuple(NearMiss(title=render_text(n.title, values),
                                  solution=render_text(n.solution, values))
                         for n in self.near_misses)  # fmt: skip
            return TaskInstance(
                definition=self,
                seed=seed,
                values=values,
                prompt=render_text(self.prompt, values),
                scenario=scenario,
                checks=checks,
                solution=render_text(self.solution, values),
                near_misses=near,
                explanation=render_text(self.explanation, values),
            )
        except (RenderError, ValidationError) as exc:
            raise ContentError(f"task {self.id} (seed {seed}): {exc}") from exc


@dataclass(frozen=True)
class TaskInstance:
    definition: TaskDefinition
    seed: int
    values: dict[str, Value]
    prompt: str
    scenario: ScenarioSpec
    checks: tuple[CheckBase, ...]
    solution: str
    near_misses: tuple[NearMiss, ...]
    explanation: str

    @property
    def id(self) -> str:
        return self.definition.id


def load_task_file(path: Path) -> TaskDefinition:
    try:
        doc = yaml.safe_load(path.read_text())
        task = TaskDefinition.model_validate(doc)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ContentError(f"{path}: {exc}") from exc
    if task.id != path.stem:
        raise ContentError(f"{path}: id {task.id!r} differs from the file name")
    return task


def load_tasks(root: Path | None = None) -> dict[str, TaskDefinition]:
    """Every task under `root/tasks` (sub-folders included), by id."""
    folder = (root or content_root()) / "tasks"
    tasks: dict[str, TaskDefinition] = {}
    for path in sorted(folder.rglob("*.yaml")):
        task = load_task_file(path)
        if task.id in tasks:
            raise ContentError(f"{path}: task id {task.id!r} is used twice")
        tasks[task.id] = task
    return tasks


__all__ = ["NearMiss", "ScenarioSpec", "TaskDefinition", "TaskInstance", "load_task_file",
           "load_tasks"]  # fmt: skip
