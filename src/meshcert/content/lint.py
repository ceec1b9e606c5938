"""The content lint: every file under `content/` is known and valid, and the tasks agree with
the blueprints (domain and competency spelled as the blueprint spells them), their parameters
(every placeholder defined, every parameter used), their points (the sum of their checks'),
their scenarios (a shipped base) and their scripts (readable by the in-process runner)."""

from __future__ import annotations

from pathlib import Path

from meshcert.lab.errors import ScenarioError
from meshcert.lab.scenarios import parse_manifests, shipped_scenarios

from .blueprints import Blueprint, load_blueprint_file
from .coverage import PRIMARY_BLUEPRINT
from .locations import ContentError, content_root
from .rendering import placeholders
from .scripts import ScriptError, parse_script
from .tasks import TaskDefinition, load_task_file

LINT_SEEDS = range(10)
KNOWN_FOLDERS = ("blueprints", "tasks")


def lint_task(task: TaskDefinition, blueprints: dict[str, Blueprint]) -> list[str]:
    problems: list[str] = []
    primary = blueprints.get(PRIMARY_BLUEPRINT)
    if primary is not None:
        domain = primary.domain_of(task.competency)
        if domain is None:
            problems.append(f"competency {task.competency!r} is not in {PRIMARY_BLUEPRINT}")
        elif domain.name != task.domain:
            problems.append(f"competency {task.competency!r} is in domain {domain.name!r}, "
                            f"not {task.domain!r}")  # fmt: skip
    for blueprint_id, competency in task.also_covers.items():
        other = blueprints.get(blueprint_id)
        if other is None:
            problems.append(f"alsoCovers names no blueprint {blueprint_id!r}")
        elif other.domain_of(competency) is None:
            problems.append(f"competency {competency!r} is not in {blueprint_id}")
    if task.scenario.base not in shipped_scenarios():
        problems.append(f"scenario base {task.scenario.base!r} is not a shipped scenario")
    templated = task.model_dump(by_alias=True, exclude={"parameters"})
    used = placeholders(templated)
    for name in sorted(used - set(task.parameters)):
        problems.append(f"placeholder {{{{ {name} }}}} names no parameter")
    for name in sorted(set(task.parameters) - used):
        problems.append(f"parameter {name!r} is never used")
    ids = [str(c.get("id")) for c in task.checks]
    if len(set(ids)) != len(ids):
        problems.append("two checks have the same id")
    if not any(c.get("main") for c in task.checks):
        problems.append("no check is marked main: true")
    scripts = [("solution", task.solution), ("scenario steps", task.scenario.steps)]
    scripts += [(f"near-miss {n.title!r}", n.solution) for n in task.near_misses]
    for what, script in scripts:
        try:
            parse_script(script)
        except ScriptError as exc:
            problems.append(f"{what}: {exc}")
    for seed in LINT_SEEDS:
        try:
            instance = task.instantiate(seed)
        except ContentError as exc:
            problems.append(exc.message)
            break
        if seed == 0 and instance.scenario.manifests.strip():
            try:
                parse_manifests(instance.scenario.manifests, "scenario manifests")
            except ScenarioError as exc:
                problems.append(exc.message)
        total = sum(c.points for c in instance.checks)
        if total != task.points:
            problems.append(f"points {task.points} differ from the checks' sum {total}")
            break
    return problems


def lint_content(root: Path | None = None) -> list[str]:
    """Every problem found under the content folder, as `path: problem` lines."""
    root = root or content_root()
    problems: list[str] = []
    blueprints: dict[str, Blueprint] = {}
    tasks: dict[str, tuple[Path, TaskDefinition]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if relative.parts[0] not in KNOWN_FOLDERS or path.suffix != ".yaml":
            if path.name != "README.md":
                problems.append(f"{relative}: not a blueprint or task file (.yaml under "
                                f"{' or '.join(KNOWN_FOLDERS)})")  # fmt: skip
            continue
        try:
            if relative.parts[0] == "blueprints":
                blueprint = load_blueprint_file(path)
                blueprints[blueprint.id] = blueprint
            else:
                task = load_task_file(path)
                if task.id in tasks:
                    problems.append(f"{relative}: task id {task.id!r} is used twice")
                tasks[task.id] = (path, task)
        except ContentError as exc:
            problems.append(exc.message.replace(f"{root}/", ""))
    if not (root / "blueprints" / f"{PRIMARY_BLUEPRINT}.yaml").is_file():
        problems.append(f"blueprints/{PRIMARY_BLUEPRINT}.yaml is missing")
    for path, task in tasks.values():
        relative = path.relative_to(root)
        problems += [f"{relative}: {p}" for p in lint_task(task, blueprints)]
    return problems


__all__ = ["lint_content", "lint_task"]
