"""Coverage: how many tasks each competency of a blueprint has (a task counts for its own
competency in its primary blueprint and for those it lists in `alsoCovers`)."""

from __future__ import annotations

from collections.abc import Iterable

from .blueprints import Blueprint
from .tasks import TaskDefinition

PRIMARY_BLUEPRINT = "ica-2025"


def competency_in(task: TaskDefinition, blueprint_id: str) -> str | None:
    if blueprint_id == PRIMARY_BLUEPRINT:
        return task.competency
    return task.also_covers.get(blueprint_id)


def coverage(blueprint: Blueprint, tasks: Iterable[TaskDefinition]) -> dict[str, int]:
    """Competency name (as the blueprint spells it) -> number of tasks, in blueprint order."""
    counts = dict.fromkeys(blueprint.competencies, 0)
    for task in tasks:
        competency = competency_in(task, blueprint.id)
        if competency in counts:
            counts[competency] += 1
    return counts


__all__ = ["PRIMARY_BLUEPRINT", "competency_in", "coverage"]
