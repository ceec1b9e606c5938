"""The controllers' index stays true to the store, also when the store is reloaded behind it."""

from __future__ import annotations

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers.indexes import index_of

from .builders import create, deployment, get, make_cluster, pods


def test_children_by_owner_follow_creation_and_deletion(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=3))
    rs_kind = cluster.kind("apps", "replicasets")
    [rs] = cluster.list(rs_kind, "default")
    index = index_of(cluster)
    assert len(index.children(cluster.kind("", "pods"), "default", rs["metadata"]["uid"])) == 3
    cluster.delete(cluster.kind("apps", "deployments"), "default", "web")
    assert index.children(cluster.kind("", "pods"), "default", rs["metadata"]["uid"]) == []


def test_a_reloaded_store_is_reindexed(cluster: Cluster, clock: FakeClock) -> None:
    create(cluster, deployment("web", replicas=2))
    dump = cluster.store.dump()
    other = make_cluster(clock, nodes=("kind-control-plane", "kind-worker"))
    index_of(other)  # built before the load
    other.store.load(dump)
    assert {p["metadata"]["name"] for p in pods(other)} == {
        p["metadata"]["name"] for p in pods(cluster)
    }
    victim = pods(other)[0]["metadata"]["name"]
    other.delete(other.kind("", "pods"), "default", victim)
    names = {p["metadata"]["name"] for p in pods(other)}
    assert len(names) == 2
    assert victim not in names
    assert get(other, "apps", "deployments", "web")["status"]["readyReplicas"] == 2


def test_updates_that_change_owners_or_a_pods_ip_are_indexed() -> None:
    cluster = Cluster()
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
    cms, pod_kind = cluster.kind("", "configmaps"), cluster.kind("", "pods")
    index = index_of(cluster)
    owner = cluster.create(cms, {"metadata": {"name": "owner"}}, "default")
    uid = owner["metadata"]["uid"]
    cluster.create(cms, {"metadata": {"name": "child"}, "data": {"k": "1"}}, "default")
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}
    child = {"metadata": {"name": "child", "ownerReferences": [ref]}, "data": {"k": "1"}}
    cluster.update(cms, child, "default", "child")
    assert [o["metadata"]["name"] for o in index.children(cms, "default", uid)] == ["child"]
    cluster.update(cms, {**child, "data": {"k": "2"}}, "default", "child")  # owners as they were
    assert [o["metadata"]["name"] for o in index.children(cms, "default", uid)] == ["child"]

    pod = cluster.create(pod_kind, {"metadata": {"name": "p"}, "spec": {}}, "default")
    assert not index.ip_in_use(pod_kind, "10.244.0.9")
    with_ip = {**pod, "status": {"podIP": "10.244.0.9"}}
    cluster.update(pod_kind, with_ip, "default", "p", subresource="status")
    assert index.ip_in_use(pod_kind, "10.244.0.9")
