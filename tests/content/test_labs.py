"""A task's starting lab: in-process (`task_lab`) and as a scenario a lab host serves
(`task_scenario`) reach the same objects, phases of a broken base scenario included."""

from __future__ import annotations

from meshcert.content.labs import task_lab, task_scenario
from meshcert.content.tasks import ScenarioSpec, load_tasks
from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed

GENERATED = frozenset({"Pod", "Event", "ReplicaSet", "EndpointSlice"})  # random name suffixes


def _objects(cluster: Cluster) -> set[tuple[str, str, str]]:
    """Every object by kind, namespace and name; generated names by kind and owner only."""
    found = set()
    for kind, obj in cluster.store.items():
        meta = obj["metadata"]
        name = meta["name"]
        if kind.kind in GENERATED:
            name = meta.get("generateName") or name
        if kind.kind == "Event":
            name = str(obj.get("involvedObject", {}).get("kind")) + "/" + str(obj.get("reason"))
        found.add((kind.kind, meta.get("namespace", ""), name))
    return found


def test_task_scenario_keeps_the_base_phases_and_adds_the_manifests_last() -> None:
    task = load_tasks()["troubleshoot-missing-subset"]
    # broken-stale-proxy: istiod scaled to 0 in a later phase, then a VirtualService applied
    phased = task.model_copy(update={"scenario": ScenarioSpec(
        base="broken-stale-proxy", manifests=task.scenario.manifests)})  # fmt: skip
    instance = phased.instantiate(0)
    scenario = task_scenario(instance)
    base = load_scenario("broken-stale-proxy")
    assert base.later
    assert scenario.later[: len(base.later)] == base.later
    assert [m["kind"] for m in scenario.later[-1]] == ["VirtualService", "DestinationRule"]
    served = new_cluster()
    seed(served, scenario)
    in_process, _ = task_lab(instance)
    assert _objects(served) == _objects(in_process)
