"""The content self-test: every task, for every seed asked, in-process —

- the untouched scenario scores below full marks, and zero on each main check;
- the reference solution scores full marks;
- every near-miss scores below full marks.

Findings are data (a list of `Finding`); an empty list means the task is proven. Each case
gets a fresh lab; the grader's baseline (pod uids) is taken when the scenario is ready.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from meshcert.grading.clients.inprocess import InProcessClient
from meshcert.grading.grader import GradeReport, baseline, grade

from .labs import task_lab
from .locations import ContentError
from .running import RunnerError
from .tasks import TaskDefinition, TaskInstance

SEEDS = range(10)


@dataclass(frozen=True)
class Finding:
    task: str
    seed: int
    case: str  # "untouched", "solution" or "near-miss: TITLE"
    problem: str

    def __str__(self) -> str:
        return f"{self.task} seed {self.seed} {self.case}: {self.problem}"


def _failures(report: GradeReport) -> str:
    return "; ".join(f"{r.id}: {r.detail}" for r in report.results if not r.passed)


def graded(instance: TaskInstance, script: str | None) -> GradeReport:
    """Grade the task's lab after running `script` (None: untouched)."""
    cluster, runner = task_lab(instance)
    client = InProcessClient(cluster)
    context = baseline(client)
    if script is not None:
        runner.run(script)
    return grade(instance.checks, client, context)


def verify_instance(instance: TaskInstance) -> list[Finding]:
    found: list[Finding] = []

    def finding(case: str, problem: str) -> None:
        found.append(Finding(instance.id, instance.seed, case, problem))

    try:
        untouched = graded(instance, None)
    except ContentError as exc:
        finding("scenario", exc.message)
        return found
    if untouched.full_marks:
        finding("untouched", "the untouched scenario scores full marks")
    for result in untouched.results:
        if result.main and result.passed:
            finding("untouched", f"main check {result.id} passes before any work")
    try:
        solved = graded(instance, instance.solution)
        if not solved.full_marks:
            finding("solution", f"{solved.points}/{solved.max_points}: {_failures(solved)}")
    except RunnerError as exc:
        finding("solution", exc.message)
    for near in instance.near_misses:
        case = f"near-miss: {near.title}"
        try:
            report = graded(instance, near.solution)
        except RunnerError as exc:
            finding(case, exc.message)
            continue
        if report.full_marks:
            finding(case, "scores full marks")
    return found


def verify_task(task: TaskDefinition, seeds: Iterable[int] = SEEDS) -> list[Finding]:
    found: list[Finding] = []
    for seed in seeds:
        try:
            instance = task.instantiate(seed)
        except ContentError as exc:
            found.append(Finding(task.id, seed, "render", exc.message))
            continue
        found += verify_instance(instance)
    return found


__all__ = ["SEEDS", "Finding", "graded", "verify_instance", "verify_task"]
