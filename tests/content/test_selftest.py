"""The content self-test over the bank: for every task and seeds 0..9, in-process, the
untouched scenario scores below full marks and zero on its main checks, the reference solution
scores full marks, and every near-miss scores below full marks."""

from __future__ import annotations

import pytest

from meshcert.content.selftest import SEEDS, graded, verify_task
from meshcert.content.tasks import load_tasks

TASKS = load_tasks()


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_task_is_proven_for_ten_seeds(task_id: str) -> None:
    assert [str(f) for f in verify_task(TASKS[task_id], SEEDS)] == []


def test_the_self_test_finds_a_solution_that_does_not_solve() -> None:
    task = TASKS["traffic-shifting-weights"]
    broken = task.model_copy(update={"solution": "kubectl get pods"})
    findings = verify_task(broken, [0])
    assert [(f.case, f.problem.split(":")[0]) for f in findings] == [("solution", "0/10")]


def test_the_self_test_finds_a_near_miss_with_full_marks() -> None:
    task = TASKS["troubleshoot-missing-subset"]
    near = task.near_misses[0].model_copy(update={"solution": task.solution})
    findings = verify_task(task.model_copy(update={"near_misses": (near,)}), [0])
    assert [(f.case, f.problem) for f in findings] == [
        ("near-miss: the VirtualService deleted", "scores full marks")
    ]


def test_grading_is_deterministic_for_a_seed() -> None:
    instance = TASKS["traffic-shifting-weights"].instantiate(3)
    first = graded(instance, instance.near_misses[1].solution)
    second = graded(instance, instance.near_misses[1].solution)
    assert first == second
    assert [r.detail for r in graded(instance, None).results][1].startswith("of 100 responses:")
