"""DaemonSets as `kubectl get ds` and its pods show them."""

from __future__ import annotations

import re

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import node_manifest

from .builders import create, edit, events_of, get, make_cluster, owned_by, workload

POD_NAME = re.compile(r"^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$")


def daemon_pods(cluster: Cluster) -> dict[str, dict]:
    ds = get(cluster, "apps", "daemonsets", "agent")
    return {p["spec"]["nodeName"]: p for p in owned_by(cluster, "", "pods", ds)}


def test_one_pod_runs_on_each_node(cluster: Cluster) -> None:
    create(cluster, workload("DaemonSet", "agent"))
    ds = get(cluster, "apps", "daemonsets", "agent")
    placed = daemon_pods(cluster)
    assert sorted(placed) == ["kind-control-plane", "kind-worker"]
    for node, pod in placed.items():
        assert POD_NAME.match(pod["metadata"]["name"])
        assert pod["status"]["phase"] == "Running"
        terms = pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]
        assert terms == {
            "nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
            ]
        }
        assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
        assert "controller-revision-hash" in pod["metadata"]["labels"]
        assert {
            "key": "node.kubernetes.io/unschedulable",
            "operator": "Exists",
            "effect": "NoSchedule",
        } in pod["spec"]["tolerations"]
    assert ds["status"] == {
        "currentNumberScheduled": 2,
        "desiredNumberScheduled": 2,
        "numberMisscheduled": 0,
        "numberReady": 2,
        "updatedNumberScheduled": 2,
        "numberAvailable": 2,
        "observedGeneration": 1,
    }
    messages = sorted(m for _, r, m in events_of(cluster, ds) if r == "SuccessfulCreate")
    assert messages == sorted(f"Created pod: {p['metadata']['name']}" for p in placed.values())


def test_a_joining_node_gets_a_pod_and_a_leaving_one_loses_it(cluster: Cluster) -> None:
    create(cluster, workload("DaemonSet", "agent"))
    cluster.create(cluster.kind("", "nodes"), node_manifest("kind-worker2", index=2))
    assert sorted(daemon_pods(cluster)) == ["kind-control-plane", "kind-worker", "kind-worker2"]
    assert get(cluster, "apps", "daemonsets", "agent")["status"]["desiredNumberScheduled"] == 3
    cluster.delete(cluster.kind("", "nodes"), "", "kind-worker")
    assert sorted(daemon_pods(cluster)) == ["kind-control-plane", "kind-worker2"]
    assert get(cluster, "apps", "daemonsets", "agent")["status"]["numberReady"] == 2


def test_a_tainted_control_plane_runs_only_tolerating_daemons(clock: FakeClock) -> None:
    cluster = make_cluster(clock)
    cluster.create(cluster.kind("", "nodes"), node_manifest("cp", control_plane=True, tainted=True))
    cluster.create(cluster.kind("", "nodes"), node_manifest("w", index=1))
    create(cluster, workload("DaemonSet", "agent"))
    assert sorted(daemon_pods(cluster)) == ["w"]
    toleration = {
        "key": "node-role.kubernetes.io/control-plane",
        "operator": "Exists",
        "effect": "NoSchedule",
    }
    edit(
        cluster,
        "apps",
        "daemonsets",
        "agent",
        lambda d: d["spec"]["template"]["spec"].update(tolerations=[toleration]),
    )
    assert sorted(daemon_pods(cluster)) == ["cp", "w"]


def test_a_template_change_replaces_every_pod(cluster: Cluster) -> None:
    create(cluster, workload("DaemonSet", "agent"))
    before = {p["metadata"]["name"] for p in daemon_pods(cluster).values()}
    edit(
        cluster,
        "apps",
        "daemonsets",
        "agent",
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.28"),
    )
    after = daemon_pods(cluster)
    assert not before & {p["metadata"]["name"] for p in after.values()}
    assert {p["spec"]["containers"][0]["image"] for p in after.values()} == {"nginx:1.28"}
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in after.values()} == {"2"}
    status = get(cluster, "apps", "daemonsets", "agent")["status"]
    assert (
        status["updatedNumberScheduled"],
        status["numberAvailable"],
        status["observedGeneration"],
    ) == (2, 2, 2)
