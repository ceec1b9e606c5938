"""The content self-test's second path: for one seed per task, the reference solution and the
near-misses typed into bash as a candidate would, with the real kubectl and the lab's istioctl
and helm (the shims of `meshcert lab env`), against a served lab, graded over HTTP."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from running_api import kubectl_binary
from served_labs import Loop, serve_task, serving_host

from meshcert.content.tasks import TaskInstance, load_tasks
from meshcert.grading.clients.http import HttpClient
from meshcert.grading.grader import GradeReport, baseline, grade
from meshcert.lab.labs import LabHost
from meshcert.lab.shims import install_shims

SEED = 0
TASKS = load_tasks()

pytestmark = pytest.mark.kubectl


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[Loop, LabHost]]:
    with serving_host() as served:
        yield served


def typed(host: tuple[Loop, LabHost], tmp_path: Path, instance: TaskInstance,
          script: str) -> tuple[GradeReport, str]:  # fmt: skip
    """A lab in the task's start, `script` run by bash, the grade over HTTP and bash's output."""
    loop, lab_host = host
    lab, config = serve_task(host, tmp_path, instance)
    try:
        shims = install_shims(tmp_path / "meshcert-home")
        kubectl_dir = Path(kubectl_binary()).parent
        env = {"PATH": f"{shims}:{kubectl_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               "HOME": str(tmp_path), "KUBECONFIG": str(config), "LC_ALL": "C.UTF-8"}  # fmt: skip
        with HttpClient(str(config)) as client:
            context = baseline(client)
            done = subprocess.run(["bash", "-c", script], env=env, cwd=tmp_path, text=True,
                                  capture_output=True, timeout=120, check=False)  # fmt: skip
            return grade(instance.checks, client, context), done.stdout + done.stderr
    finally:
        loop.run(lab_host.remove(lab.id))


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_solution_and_near_misses_typed_with_the_real_kubectl(
    host: tuple[Loop, LabHost], tmp_path: Path, task_id: str
) -> None:
    instance = TASKS[task_id].instantiate(SEED)
    report, shell = typed(host, tmp_path, instance, instance.solution)
    failures = [(r.id, r.detail) for r in report.results if not r.passed]
    assert report.full_marks, f"{failures}\n{shell}"
    for near in instance.near_misses:
        report, shell = typed(host, tmp_path, instance, near.solution)
        assert not report.full_marks, f"near-miss {near.title!r} got full marks\n{shell}"
