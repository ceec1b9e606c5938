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
