"""Labs for a task instance, in-process: the shipped base scenario (seeded once per process and
restored from its store dump, ~20 ms instead of ~800 ms), the task's manifests, then its steps.

The simulator's seed (`mesh.seed`) is the attempt's seed, so behaviour checks replay the same
way; simulated request durations are not waited for (time scale 0).
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

from meshcert.kube.cluster import Cluster
from meshcert.lab.errors import ScenarioError
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import (
    Scenario,
    apply_manifests,
    load_scenario,
    parse_manifests,
    seed,
)
from meshcert.mesh.simulation.state import SEED_KEY, TIME_SCALE_KEY

from .locations import ContentError
from .running import RunnerError, ScriptRunner
from .tasks import TaskInstance


@cache
def _base_dump(name: str) -> dict[str, Any]:
    cluster = new_cluster()
    seed(cluster, load_scenario(name))
    return cluster.store.dump()


def task_lab(instance: TaskInstance) -> tuple[Cluster, ScriptRunner]:
    """A new cluster in the task's starting state, and a runner for scripts on it."""
    cluster = new_cluster()
    try:
        # Stored objects are never changed in place (kube/store.py: every write makes a new
        # version), so every lab can start from the same objects: only the list is copied
        dump = _base_dump(instance.scenario.base)
        cluster.store.load({**dump, "objects": list(dump["objects"])})
    except ScenarioError as exc:
        raise ContentError(f"task {instance.id}: scenario {exc.message}") from exc
    cluster.extensions[SEED_KEY] = instance.seed
    cluster.extensions[TIME_SCALE_KEY] = 0.0
    runner = ScriptRunner(cluster)
    source = f"task {instance.id} manifests"
    try:
        if instance.scenario.manifests.strip():
            with cluster.transaction():
                manifests = parse_manifests(instance.scenario.manifests, source)
                apply_manifests(cluster, manifests, source)
        if instance.scenario.steps.strip():
            runner.run(instance.scenario.steps)
    except (ScenarioError, RunnerError) as exc:
        raise ContentError(f"task {instance.id} (seed {instance.seed}): {exc}") from exc
    return cluster, runner


def task_scenario(instance: TaskInstance) -> Scenario:
    """The task's start as a lab scenario (for `LabHost.create`): the base scenario with its
    install step and phases, then the task's manifests as a last phase (applied once the base
    has settled, as `task_lab` does). The task's `steps` are run afterwards, on the lab's
    cluster (`ScriptRunner`), since a scenario holds manifests only."""
    base = load_scenario(instance.scenario.base)
    source = f"task {instance.id} manifests"
    try:
        extra = parse_manifests(instance.scenario.manifests, source)
    except ScenarioError as exc:
        raise ContentError(exc.message) from exc
    later = (*base.later, extra) if extra else base.later
    return dataclasses.replace(base, name=f"task-{instance.id}", later=later)


__all__ = ["task_lab", "task_scenario"]
