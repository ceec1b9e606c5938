"""EndpointSlices as `kubectl describe svc` (1.33+) and Istio read them, when the kind is served."""

from __future__ import annotations

import re

import pytest

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import not_ready, set_container_state
from meshcert.kube.kinds import ResourceKind

from .builders import container, create, deployment, make_cluster, pod_manifest, service

SLICE = ResourceKind("discovery.k8s.io", ("v1",), "EndpointSlice", "endpointslices", True)


@pytest.fixture
def cluster(clock: FakeClock) -> Cluster:
    cluster = make_cluster(clock, nodes=("kind-control-plane", "kind-worker"))
    cluster.registry.add(SLICE)
    cluster.validator = None  # the schema catalogue has no discovery.k8s.io definitions yet
    return cluster


def slices(cluster: Cluster) -> list[dict]:
    return cluster.list(SLICE, "default")


def test_a_service_gets_a_slice_of_its_pods(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=2))
    svc = create(
        cluster, service("web", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": 8080}])
    )
    [slice_] = slices(cluster)
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", slice_["metadata"]["name"])
    assert slice_["metadata"]["labels"] == {
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        "kubernetes.io/service-name": "web",
    }
    assert slice_["metadata"]["ownerReferences"][0]["uid"] == svc["metadata"]["uid"]
    assert slice_["addressType"] == "IPv4"
    assert slice_["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    pods = {p["metadata"]["name"]: p for p in cluster.list(cluster.kind("", "pods"), "default")}
    assert len(slice_["endpoints"]) == 2
    for endpoint in slice_["endpoints"]:
        pod = pods[endpoint["targetRef"]["name"]]
        assert endpoint["addresses"] == [pod["status"]["podIP"]]
        assert endpoint["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert endpoint["nodeName"] == pod["spec"]["nodeName"]


def test_readiness_and_departures_show_in_the_slice(cluster: Cluster) -> None:
    create(cluster, service("web", {"app": "web"}))
    [placeholder] = slices(cluster)
    assert "endpoints" not in placeholder
    assert "ports" not in placeholder
    create(cluster, pod_manifest("a", container(), labels={"app": "web"}))
    set_container_state(cluster, "default", "a", "app", not_ready())
    [slice_] = slices(cluster)
    assert slice_["endpoints"][0]["conditions"]["ready"] is False
    cluster.delete(cluster.kind("", "pods"), "default", "a")
    [slice_] = slices(cluster)
    assert "endpoints" not in slice_


def test_deleting_the_service_deletes_its_slices(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=1))
    create(cluster, service("web", {"app": "web"}))
    cluster.delete(cluster.kind("", "services"), "default", "web")
    assert slices(cluster) == []
