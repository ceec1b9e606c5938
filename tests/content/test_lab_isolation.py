"""Task labs share the objects of their base scenario (`content/labs.py` loads every lab from
one dump per base without copying the objects, which the store's rule allows: stored objects
are never changed in place). This proves the rule holds for what the bank does: after every
task's untouched lab, reference solution and near-misses ran (seed 0), each base scenario's
objects are exactly what they were."""

from __future__ import annotations

from meshcert.content.labs import _base_dump
from meshcert.content.selftest import verify_task
from meshcert.content.tasks import load_tasks
from meshcert.kube.copying import clone


def test_every_task_leaves_its_base_scenario_untouched() -> None:
    tasks = load_tasks()
    bases = sorted({t.scenario.base for t in tasks.values()})
    before = {name: clone(_base_dump(name)) for name in bases}
    for task in tasks.values():
        verify_task(task, [0])
    assert {name: _base_dump(name) for name in bases} == before
