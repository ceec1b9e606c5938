"""Deployment -> ReplicaSet -> Pods as `kubectl get deploy,rs,pods` and `describe` show them."""

from __future__ import annotations

import re

import pytest

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import crash_loop

from .builders import (
    conditions,
    create,
    deployment,
    edit,
    events_of,
    get,
    owned_by,
    pods,
)

SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]"
RS_NAME = re.compile(rf"^web-{SUFFIX}{{10}}$")
POD_NAME = re.compile(rf"^web-{SUFFIX}{{10}}-{SUFFIX}{{5}}$")
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def restart(cluster: Cluster, name: str, at: str) -> None:
    """What `kubectl rollout restart` changes."""

    def change(obj: dict) -> None:
        meta = obj["spec"]["template"].setdefault("metadata", {})
        meta.setdefault("annotations", {})[RESTARTED_AT] = at

    edit(cluster, "apps", "deployments", name, change)


def scale(cluster: Cluster, name: str, replicas: int) -> None:
    edit(
        cluster, "apps", "deployments", name, lambda o: o["spec"].__setitem__("replicas", replicas)
    )


def replica_sets(cluster: Cluster) -> list[dict]:
    return cluster.list(cluster.kind("apps", "replicasets"), "default")


def revision(obj: dict) -> str:
    return obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"]


def test_a_deployment_owns_one_replicaset_that_owns_its_pods(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=3))
    deploy = get(cluster, "apps", "deployments", "web")
    [rs] = replica_sets(cluster)
    assert RS_NAME.match(rs["metadata"]["name"])
    pod_hash = rs["metadata"]["name"].rsplit("-", 1)[1]
    assert rs["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": pod_hash}}
    assert rs["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": deploy["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
        "deployment.kubernetes.io/revision": "1",
    }
    assert revision(deploy) == "1"
    running = pods(cluster)
    assert len(running) == 3
    for pod in running:
        assert POD_NAME.match(pod["metadata"]["name"])
        assert pod["metadata"]["name"].startswith(rs["metadata"]["name"] + "-")
        assert pod["metadata"]["labels"]["pod-template-hash"] == pod_hash
        [ref] = pod["metadata"]["ownerReferences"]
        assert (ref["kind"], ref["name"], ref["uid"]) == (
            "ReplicaSet",
            rs["metadata"]["name"],
            rs["metadata"]["uid"],
        )
        assert ref["controller"] is True
        assert ref["blockOwnerDeletion"] is True
        assert pod["status"]["phase"] == "Running"


def test_a_rolled_out_deployment_reports_what_rollout_status_waits_for(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=3))
    deploy = get(cluster, "apps", "deployments", "web")
    status = deploy["status"]
    assert status["observedGeneration"] == deploy["metadata"]["generation"] == 1
    counters = {k: status.get(k) for k in ("replicas", "updatedReplicas", "readyReplicas")}
    assert counters == {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3}
    assert status["availableReplicas"] == 3
    assert "unavailableReplicas" not in status
    [rs] = replica_sets(cluster)
    assert conditions(deploy) == {
        "Available": ("True", "MinimumReplicasAvailable"),
        "Progressing": ("True", "NewReplicaSetAvailable"),
    }
    by_type = {c["type"]: c for c in status["conditions"]}
    assert by_type["Available"]["message"] == "Deployment has minimum availability."
    assert by_type["Progressing"]["message"] == (
        f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'
    )
    for cond in status["conditions"]:
        assert cond["lastUpdateTime"]
        assert cond["lastTransitionTime"]
    assert rs["status"] == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "terminatingReplicas": 0,
        "observedGeneration": 1,
    }


def test_describe_shows_the_controllers_events(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=2))
    deploy = get(cluster, "apps", "deployments", "web")
    [rs] = replica_sets(cluster)
    name = rs["metadata"]["name"]
    assert events_of(cluster, deploy) == [
        ("Normal", "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to 2")
    ]
    created = sorted(events_of(cluster, rs))
    assert created == sorted(
        ("Normal", "SuccessfulCreate", f"Created pod: {p['metadata']['name']}")
        for p in pods(cluster)
    )
    sources = {
        e["source"]["component"]
        for e in cluster.list(cluster.kind("", "events"), "default")
        if e["involvedObject"]["kind"] in ("Deployment", "ReplicaSet")
    }
    assert sources == {"deployment-controller", "replicaset-controller"}


@pytest.mark.parametrize(
    ("start", "target"),
    [(2, 5), (5, 2), (3, 0), (0, 2)],
    ids=["up", "down", "to-zero", "from-zero"],
)
def test_scaling_changes_the_pods_and_says_so(cluster: Cluster, start: int, target: int) -> None:
    create(cluster, deployment("web", replicas=start))
    scale(cluster, "web", target)
    deploy = get(cluster, "apps", "deployments", "web")
    [rs] = replica_sets(cluster)
    assert len(pods(cluster)) == target
    assert rs["spec"]["replicas"] == target
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == str(target)
    assert deploy["status"].get("readyReplicas", 0) == target
    assert deploy["status"]["observedGeneration"] == 2
    way = "up" if target > start else "down"
    message = f"Scaled {way} replica set {rs['metadata']['name']} from {start} to {target}"
    assert ("Normal", "ScalingReplicaSet", message) in events_of(cluster, deploy)


def test_scaling_down_deletes_the_newest_pods_first(cluster: Cluster, clock: FakeClock) -> None:
    create(cluster, deployment("web", replicas=2))
    first = {p["metadata"]["name"] for p in pods(cluster)}
    clock.advance(60)
    scale(cluster, "web", 4)
    clock.advance(60)
    scale(cluster, "web", 2)
    assert {p["metadata"]["name"] for p in pods(cluster)} == first
    [rs] = replica_sets(cluster)
    deleted = [m for t, r, m in events_of(cluster, rs) if r == "SuccessfulDelete"]
    assert len(deleted) == 2
    assert all(m.startswith("Deleted pod: ") for m in deleted)


def test_rollout_restart_makes_revision_2_and_replaces_every_pod(
    cluster: Cluster, clock: FakeClock
) -> None:
    create(cluster, deployment("web", replicas=3))
    [old] = replica_sets(cluster)
    old_pods = {p["metadata"]["name"] for p in pods(cluster)}
    clock.advance(30)
    restart(cluster, "web", "2026-01-01T00:00:30Z")
    deploy = get(cluster, "apps", "deployments", "web")
    new = next(
        rs for rs in replica_sets(cluster) if rs["metadata"]["uid"] != old["metadata"]["uid"]
    )
    old = get(cluster, "apps", "replicasets", old["metadata"]["name"])
    assert revision(deploy) == revision(new) == "2"
    assert revision(old) == "1"
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (0, 3)
    assert RS_NAME.match(new["metadata"]["name"])
    current = pods(cluster)
    assert len(current) == 3
    assert not old_pods & {p["metadata"]["name"] for p in current}
    for pod in current:
        assert pod["metadata"]["annotations"] == {RESTARTED_AT: "2026-01-01T00:00:30Z"}
        assert pod["metadata"]["name"].startswith(new["metadata"]["name"])
    status = deploy["status"]
    assert (
        status["observedGeneration"],
        status["updatedReplicas"],
        status["availableReplicas"],
    ) == (
        2,
        3,
        3,
    )
    assert conditions(deploy)["Progressing"] == ("True", "NewReplicaSetAvailable")
    messages = [m for _, r, m in events_of(cluster, deploy) if r == "ScalingReplicaSet"]
    assert messages[-1] == f"Scaled down replica set {old['metadata']['name']} from 1 to 0"
    assert f"Scaled up replica set {new['metadata']['name']} from 0 to 1" in messages


def test_rolling_back_reuses_the_old_replicaset_as_revision_3(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=2, image="nginx:1.26"))
    [first] = replica_sets(cluster)
    edit(
        cluster,
        "apps",
        "deployments",
        "web",
        lambda o: o["spec"]["template"]["spec"]["containers"][0].__setitem__("image", "nginx:1.27"),
    )
    edit(
        cluster,
        "apps",
        "deployments",
        "web",
        lambda o: o["spec"]["template"]["spec"]["containers"][0].__setitem__("image", "nginx:1.26"),
    )
    sets = {rs["metadata"]["name"]: rs for rs in replica_sets(cluster)}
    assert len(sets) == 2
    reused = sets[first["metadata"]["name"]]
    assert reused["metadata"]["uid"] == first["metadata"]["uid"]
    assert revision(reused) == "3"
    assert reused["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert reused["spec"]["replicas"] == 2
    assert revision(get(cluster, "apps", "deployments", "web")) == "3"
    assert {p["spec"]["containers"][0]["image"] for p in pods(cluster)} == {"nginx:1.26"}


def test_old_replicasets_beyond_the_history_limit_are_deleted(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=1, revisionHistoryLimit=1))
    for at in ("a", "b", "c"):
        restart(cluster, "web", at)
    sets = replica_sets(cluster)
    assert sorted(revision(rs) for rs in sets) == ["3", "4"]


def test_recreate_removes_the_old_pods_before_starting_new_ones(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=2, strategy={"type": "Recreate"}))
    [old] = replica_sets(cluster)
    restart(cluster, "web", "now")
    deploy = get(cluster, "apps", "deployments", "web")
    new = next(
        rs for rs in replica_sets(cluster) if rs["metadata"]["uid"] != old["metadata"]["uid"]
    )
    messages = [m for _, r, m in events_of(cluster, deploy) if r == "ScalingReplicaSet"]
    assert messages[1:] == [
        f"Scaled down replica set {old['metadata']['name']} from 2 to 0",
        f"Scaled up replica set {new['metadata']['name']} from 0 to 2",
    ]
    assert deploy["spec"]["strategy"] == {"type": "Recreate"}


def test_a_paused_deployment_scales_but_does_not_roll_out(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=1))
    edit(cluster, "apps", "deployments", "web", lambda o: o["spec"].__setitem__("paused", True))
    restart(cluster, "web", "later")
    scale(cluster, "web", 3)
    deploy = get(cluster, "apps", "deployments", "web")
    assert len(replica_sets(cluster)) == 1
    assert len(pods(cluster)) == 3
    assert conditions(deploy)["Progressing"] == ("Unknown", "DeploymentPaused")
    edit(cluster, "apps", "deployments", "web", lambda o: o["spec"].pop("paused"))
    deploy = get(cluster, "apps", "deployments", "web")
    assert len(replica_sets(cluster)) == 2
    assert revision(deploy) == "2"
    assert conditions(deploy)["Progressing"] == ("True", "NewReplicaSetAvailable")


def test_a_rollout_whose_pods_crash_stalls_with_the_old_pods_serving(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=4))
    [old] = replica_sets(cluster)

    def crashing(cluster: Cluster, pod: dict, container: dict) -> object:
        return crash_loop() if container.get("image") == "nginx:broken" else None

    from meshcert.kube.controllers import add_container_state_rule

    add_container_state_rule(cluster, crashing)
    edit(
        cluster,
        "apps",
        "deployments",
        "web",
        lambda o: o["spec"]["template"]["spec"]["containers"][0].__setitem__(
            "image", "nginx:broken"
        ),
    )
    deploy = get(cluster, "apps", "deployments", "web")
    old = get(cluster, "apps", "replicasets", old["metadata"]["name"])
    # maxSurge 1 and maxUnavailable 1 of 4: one old pod goes, two new ones never become ready.
    assert old["spec"]["replicas"] == 3
    assert deploy["status"]["updatedReplicas"] == 2
    assert deploy["status"]["availableReplicas"] == 3
    assert deploy["status"]["unavailableReplicas"] == 2
    assert conditions(deploy) == {
        "Available": ("True", "MinimumReplicasAvailable"),
        "Progressing": ("True", "ReplicaSetUpdated"),
    }
    new_name = revision_rs_name(cluster, "2")
    by_type = {c["type"]: c for c in deploy["status"]["conditions"]}
    assert by_type["Progressing"]["message"] == f'ReplicaSet "{new_name}" is progressing.'


def revision_rs_name(cluster: Cluster, wanted: str) -> str:
    return next(rs["metadata"]["name"] for rs in replica_sets(cluster) if revision(rs) == wanted)


def test_a_deleted_pod_comes_back_with_a_new_name(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=2))
    before = {p["metadata"]["name"] for p in pods(cluster)}
    victim = sorted(before)[0]
    cluster.delete(cluster.kind("", "pods"), "default", victim)
    after = {p["metadata"]["name"] for p in pods(cluster)}
    assert len(after) == 2
    assert victim not in after
    assert len(after - before) == 1


def test_deleting_the_deployment_removes_its_replicasets_and_pods(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=2))
    cluster.delete(cluster.kind("apps", "deployments"), "default", "web")
    assert replica_sets(cluster) == []
    assert pods(cluster) == []


def test_pods_refused_for_a_missing_serviceaccount_appear_once_it_exists(cluster: Cluster) -> None:
    manifest = deployment("web", replicas=2)
    manifest["spec"]["template"]["spec"]["serviceAccountName"] = "web-sa"
    create(cluster, manifest)
    [rs] = replica_sets(cluster)
    deploy = get(cluster, "apps", "deployments", "web")
    assert pods(cluster) == []
    expected = (
        f'Error creating: pods "{rs["metadata"]["name"]}-" is forbidden: error looking up '
        'service account default/web-sa: serviceaccount "web-sa" not found'
    )
    assert ("Warning", "FailedCreate", expected) in events_of(cluster, rs)
    assert conditions(rs)["ReplicaFailure"] == ("True", "FailedCreate")
    assert conditions(deploy)["ReplicaFailure"] == ("True", "FailedCreate")
    assert conditions(deploy)["Available"] == ("False", "MinimumReplicasUnavailable")
    create(cluster, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web-sa"}})
    assert len(pods(cluster)) == 2
    deploy = get(cluster, "apps", "deployments", "web")
    assert "ReplicaFailure" not in conditions(deploy)
    assert conditions(deploy)["Available"] == ("True", "MinimumReplicasAvailable")
    assert {p["spec"]["serviceAccountName"] for p in pods(cluster)} == {"web-sa"}


def test_replicasets_copy_the_deployments_annotations_but_not_kubectls(cluster: Cluster) -> None:
    manifest = deployment("web", replicas=1)
    manifest["metadata"]["annotations"] = {
        "kubernetes.io/change-cause": "first",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
    }
    create(cluster, manifest)
    [rs] = replica_sets(cluster)
    annotations = rs["metadata"]["annotations"]
    assert annotations["kubernetes.io/change-cause"] == "first"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in annotations


def test_a_steady_deployment_is_not_rewritten(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=3))
    before = cluster.store.resource_version
    for plural in ("deployments", "replicasets"):
        for obj in cluster.list(cluster.kind("apps", plural), "default"):
            cluster.update(cluster.kind("apps", plural), obj, "default")
    assert cluster.store.resource_version == before
    assert (
        len(owned_by(cluster, "apps", "replicasets", get(cluster, "apps", "deployments", "web")))
        == 1
    )


def test_deleting_the_namespace_leaves_nothing_behind(cluster: Cluster) -> None:
    from .builders import service, workload

    create(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    create(cluster, deployment("web", replicas=2), "shop")
    create(cluster, workload("DaemonSet", "agent"), "shop")
    create(cluster, workload("StatefulSet", "db", replicas=2), "shop")
    create(cluster, service("web", {"app": "web"}), "shop")
    cluster.delete(cluster.kind("", "namespaces"), "", "shop")
    left = [
        (kind.plural, obj["metadata"]["name"])
        for kind, obj in cluster.store.items()
        if obj["metadata"].get("namespace") == "shop"
    ]
    assert left == []
