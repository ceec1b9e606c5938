"""A practice session: one task, at one seed, on a lab in the background that the candidate
drives from their own shell (`eval "$(meshcert lab env)"`, then kubectl, istioctl, helm).

The session is a small JSON file in `$MESHCERT_HOME/practice/` (task, seed, the lab's
kubeconfig, the uids of the pods at the start for "restarted" checks), so `check`, `solution`,
`reset` and `stop` work from any later shell. The lab is an ordinary detached lab: its scenario
is written next to the session (the task's base scenario, then its manifests as a last phase),
and the task's set-up steps run once it answers, through the real kubectl and the lab's
istioctl and helm, as a candidate's commands would. Grading goes through the lab's API with
the kubeconfig (`HttpClient`), as it would on any cluster.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from meshcert.content.labs import task_scenario
from meshcert.content.locations import ContentError
from meshcert.content.tasks import TaskDefinition, TaskInstance, load_tasks
from meshcert.grading.checks import GradeContext
from meshcert.grading.client import ClientError
from meshcert.grading.clients.http import HttpClient
from meshcert.grading.grader import GradeReport, baseline, grade
from meshcert.lab import launching
from meshcert.lab.errors import LabError
from meshcert.lab.launching import Ready, ServeOptions
from meshcert.lab.scenarios import SHIPPED_DIR
from meshcert.lab.shims import install_shims
from meshcert.lab.state import LabFiles, meshcert_home

STEP_TIMEOUT = 300.0


class PracticeError(Exception):
    """What a practice command cannot do, in the candidate's terms; `code` is the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Session:
    task: str
    seed: int
    kubeconfig: str
    baseline_pods: tuple[str, ...] = ()

    @staticmethod
    def folder(home: Path | None = None) -> Path:
        return (home or meshcert_home()) / "practice"

    @classmethod
    def load(cls) -> Session:
        path = cls.folder() / "session.json"
        try:
            data = json.loads(path.read_text())
            return cls(str(data["task"]), int(data["seed"]), str(data["kubeconfig"]),
                       tuple(str(u) for u in data.get("baseline_pods") or ()))  # fmt: skip
        except FileNotFoundError:
            raise PracticeError(
                "no practice session: start one with `meshcert practice start TASK_ID`"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PracticeError(f"the practice session file {path} is unreadable: {exc}") from exc

    def save(self) -> None:
        folder = self.folder()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "session.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(folder / "session.json")

    @classmethod
    def discard(cls) -> None:
        for name in ("session.json", "scenario.yaml"):
            (cls.folder() / name).unlink(missing_ok=True)


def tasks() -> dict[str, TaskDefinition]:
    try:
        return load_tasks()
    except ContentError as exc:
        raise PracticeError(exc.message) from exc


def choose(task_id: str | None, domain: str | None, competency: str | None,
           seed: int) -> TaskDefinition:  # fmt: skip
    """The task named, or one drawn (by `seed`) among those of the domain / competency."""
    bank = tasks()
    if task_id is not None:
        if task_id not in bank:
            raise PracticeError(f"no task {task_id!r}: `meshcert practice list` shows them")
        return bank[task_id]
    pool = [t for _, t in sorted(bank.items())
            if (domain is None or t.domain.lower() == domain.lower())
            and (competency is None or t.competency.lower() == competency.lower())]  # fmt: skip
    if not pool:
        wanted = " and ".join(f"{k} {v!r}" for k, v in
                              (("domain", domain), ("competency", competency)) if v)  # fmt: skip
        raise PracticeError(f"no task with {wanted}: `meshcert practice list` shows them")
    return random.Random(seed).choice(pool)


def _scenario_text(instance: TaskInstance) -> str:
    """The lab's scenario: the base scenario's file, then the task's manifests as a last phase
    (after every phase of the base has settled)."""
    base = SHIPPED_DIR / f"{instance.scenario.base}.yaml"
    try:
        text = base.read_text()
    except OSError as exc:
        raise PracticeError(f"task {instance.id}: no scenario {instance.scenario.base!r}") from exc
    task_scenario(instance)  # validates the manifests (ContentError with the document at fault)
    if instance.scenario.manifests.strip():
        text += f"\n---\nthen: the task {instance.id} starts\n---\n{instance.scenario.manifests}"
    return text


def _tool_env(kubeconfig: Path, home: Path) -> dict[str, str]:
    """The environment of `eval "$(meshcert lab env)"`, with this Python's kubectl too."""
    shims = install_shims(home)
    path = os.pathsep.join([str(shims), str(Path(sys.executable).parent),
                            os.environ.get("PATH", "")])  # fmt: skip
    return {**os.environ, "KUBECONFIG": str(kubeconfig), "PATH": path}


def _run_steps(instance: TaskInstance, env: dict[str, str]) -> None:
    steps = instance.scenario.steps.strip()
    if not steps:
        return
    bash = shutil.which("bash", path=env["PATH"])
    if bash is None:
        raise PracticeError("the task's set-up needs bash, which is not on PATH")
    try:
        done = subprocess.run([bash, "-e", "-c", steps], env=env, capture_output=True,
                              text=True, timeout=STEP_TIMEOUT, check=False)  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise PracticeError(f"task {instance.id}: its set-up did not finish in time") from exc
    if done.returncode != 0:
        raise PracticeError(f"task {instance.id}: its set-up failed (exit {done.returncode}): "
                            f"{(done.stderr or done.stdout).strip()[-500:]}")  # fmt: skip


def start(task: TaskDefinition, seed: int, options: ServeOptions) -> tuple[Session, Ready]:
    """Start the lab for `task` at `seed` and record the session."""
    instance = _instance(task, seed)
    folder = Session.folder(options.home)
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "scenario.yaml"
    scenario.write_text(_scenario_text(instance))
    lab_options = ServeOptions(options.home, options.lab_id, options.kubeconfig, str(scenario),
                               options.port, False)  # fmt: skip
    ready = launching.spawn(lab_options).wait()
    try:
        _run_steps(instance, _tool_env(options.kubeconfig, options.home))
        with HttpClient(str(options.kubeconfig)) as client:
            context = baseline(client)
    except (PracticeError, ClientError):
        launching.down(LabFiles.of(options.lab_id, options.home), options.kubeconfig)
        raise
    session = Session(task.id, seed, str(options.kubeconfig), tuple(sorted(context.baseline_pods)))
    session.save()
    return session, ready


def _instance(task: TaskDefinition, seed: int) -> TaskInstance:
    try:
        return task.instantiate(seed)
    except ContentError as exc:
        raise PracticeError(exc.message) from exc


def current() -> tuple[Session, TaskInstance]:
    session = Session.load()
    bank = tasks()
    if session.task not in bank:
        raise PracticeError(f"the session's task {session.task!r} is no longer in the bank: "
                            "`meshcert practice stop`")  # fmt: skip
    return session, _instance(bank[session.task], session.seed)


def check(session: Session, instance: TaskInstance) -> GradeReport:
    if not Path(session.kubeconfig).exists():
        raise PracticeError(f"the lab's kubeconfig {session.kubeconfig} is gone: "
                            "`meshcert practice reset`")  # fmt: skip
    try:
        with HttpClient(session.kubeconfig) as client:
            context = GradeContext(frozenset(session.baseline_pods))
            return grade(instance.checks, client, context)
    except ClientError as exc:
        raise PracticeError(
            f"cannot reach the practice lab: {exc.message} (is it running? "
            "`meshcert practice reset` starts it again)"
        ) from exc


def stop(options: ServeOptions) -> bool:
    """Stop the session's lab and forget the session; whether there was one."""
    try:
        existed = launching.down(LabFiles.of(options.lab_id, options.home), options.kubeconfig)
    except LabError as exc:
        raise PracticeError(exc.message, exc.exit_code) from exc
    had_session = (Session.folder(options.home) / "session.json").exists()
    Session.discard()
    return existed or had_session


def solution_script(instance: TaskInstance) -> str:
    """The reference solution as a script for `| bash`."""
    return f"#!/usr/bin/env bash\n# {instance.id} (seed {instance.seed})\nset -e\n" + (
        instance.solution if instance.solution.endswith("\n") else instance.solution + "\n"
    )


__all__ = ["PracticeError", "Session", "check", "choose", "current", "solution_script",
           "start", "stop", "tasks"]  # fmt: skip
