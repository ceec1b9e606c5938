"""StatefulSets as `kubectl get sts` and its pods show them."""

from __future__ import annotations

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import not_ready, set_container_state

from .builders import create, edit, events_of, get, pods, workload


def sts_pods(cluster: Cluster) -> list[str]:
    return sorted(p["metadata"]["name"] for p in pods(cluster))


def test_pods_get_ordinal_names_created_in_order(cluster: Cluster) -> None:
    create(cluster, workload("StatefulSet", "db", replicas=3, serviceName="db"))
    sts = get(cluster, "apps", "statefulsets", "db")
    assert sts_pods(cluster) == ["db-0", "db-1", "db-2"]
    created = [m for _, r, m in events_of(cluster, sts) if r == "SuccessfulCreate"]
    assert created == [f"create Pod db-{i} in StatefulSet db successful" for i in range(3)]
    pod = get(cluster, "", "pods", "db-1")
    labels = pod["metadata"]["labels"]
    assert labels["statefulset.kubernetes.io/pod-name"] == "db-1"
    assert labels["apps.kubernetes.io/pod-index"] == "1"
    assert labels["controller-revision-hash"] == sts["status"]["updateRevision"]
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("db-1", "db")
    status = sts["status"]
    assert status["updateRevision"].startswith("db-")
    assert {
        k: status[k]
        for k in (
            "replicas",
            "readyReplicas",
            "currentReplicas",
            "updatedReplicas",
            "availableReplicas",
        )
    } == {
        "replicas": 3,
        "readyReplicas": 3,
        "currentReplicas": 3,
        "updatedReplicas": 3,
        "availableReplicas": 3,
    }
    assert status["currentRevision"] == status["updateRevision"]


def test_ordered_creation_waits_for_the_previous_pod_to_be_ready(cluster: Cluster) -> None:
    create(cluster, workload("StatefulSet", "db", replicas=1))

    def scale(n: int) -> None:
        edit(cluster, "apps", "statefulsets", "db", lambda s: s["spec"].update(replicas=n))

    set_container_state(cluster, "default", "db-0", "app", not_ready())
    scale(3)
    assert sts_pods(cluster) == ["db-0"]
    set_container_state(cluster, "default", "db-0", "app", None)
    assert sts_pods(cluster) == ["db-0", "db-1", "db-2"]


def test_scaling_down_removes_the_highest_ordinals(cluster: Cluster) -> None:
    create(cluster, workload("StatefulSet", "db", replicas=4))
    edit(cluster, "apps", "statefulsets", "db", lambda s: s["spec"].update(replicas=2))
    assert sts_pods(cluster) == ["db-0", "db-1"]
    sts = get(cluster, "apps", "statefulsets", "db")
    deleted = [m for _, r, m in events_of(cluster, sts) if r == "SuccessfulDelete"]
    assert deleted == [
        "delete Pod db-3 in StatefulSet db successful",
        "delete Pod db-2 in StatefulSet db successful",
    ]


def test_a_deleted_pod_comes_back_with_the_same_name(cluster: Cluster) -> None:
    create(cluster, workload("StatefulSet", "db", replicas=2))
    old_uid = get(cluster, "", "pods", "db-1")["metadata"]["uid"]
    cluster.delete(cluster.kind("", "pods"), "default", "db-1")
    assert get(cluster, "", "pods", "db-1")["metadata"]["uid"] != old_uid


def test_a_template_change_rolls_from_the_highest_ordinal(cluster: Cluster) -> None:
    create(cluster, workload("StatefulSet", "db", replicas=3))
    first = get(cluster, "apps", "statefulsets", "db")["status"]["updateRevision"]
    edit(
        cluster,
        "apps",
        "statefulsets",
        "db",
        lambda s: s["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.28"),
    )
    sts = get(cluster, "apps", "statefulsets", "db")
    second = sts["status"]["updateRevision"]
    assert second != first
    assert sts["status"]["currentRevision"] == second
    assert {p["spec"]["containers"][0]["image"] for p in pods(cluster)} == {"nginx:1.28"}
    deleted = [m for _, r, m in events_of(cluster, sts) if r == "SuccessfulDelete"]
    assert deleted == [f"delete Pod db-{i} in StatefulSet db successful" for i in (2, 1, 0)]


def test_claim_templates_become_pod_volumes(cluster: Cluster) -> None:
    claim = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    create(cluster, workload("StatefulSet", "db", replicas=1, volumeClaimTemplates=[claim]))
    volumes = get(cluster, "", "pods", "db-0")["spec"]["volumes"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}} in volumes
