"""Endpoints as `kubectl get endpoints` and `describe svc` show them."""

from __future__ import annotations

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import not_ready, set_container_state

from .builders import container, create, deployment, edit, get, pod_manifest, pods, service


def addresses(cluster: Cluster, name: str, which: str = "addresses") -> list[str]:
    ep = get(cluster, "", "endpoints", name)
    return sorted(a["ip"] for s in ep.get("subsets") or [] for a in s.get(which) or [])


def test_endpoints_list_the_selected_pods(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=3))
    create(cluster, deployment("other", replicas=1))
    create(
        cluster, service("web", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": 8080}])
    )
    ep = get(cluster, "", "endpoints", "web")
    [subset] = ep["subsets"]
    web_pods = {
        p["metadata"]["name"]: p for p in pods(cluster) if p["metadata"]["labels"]["app"] == "web"
    }
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert len(subset["addresses"]) == 3
    for address in subset["addresses"]:
        pod = web_pods[address["targetRef"]["name"]]
        assert address == {
            "ip": pod["status"]["podIP"],
            "nodeName": pod["spec"]["nodeName"],
            "targetRef": {
                "kind": "Pod",
                "name": pod["metadata"]["name"],
                "namespace": "default",
                "uid": pod["metadata"]["uid"],
            },
        }


@pytest.mark.parametrize(
    ("target", "port"),
    [("web-port", 8080), (9090, 9090), (None, 80)],
    ids=["named", "number", "unset"],
)
def test_the_target_port_is_resolved_per_pod(cluster: Cluster, target: object, port: int) -> None:
    ports = [{"name": "web-port", "containerPort": 8080}]
    create(cluster, pod_manifest("p", container("app", ports=ports), labels={"app": "web"}))
    service_port = {"name": "http", "port": 80}
    if target is not None:
        service_port["targetPort"] = target
    create(cluster, service("web", {"app": "web"}, [service_port]))
    [subset] = get(cluster, "", "endpoints", "web")["subsets"]
    assert subset["ports"] == [{"name": "http", "port": port, "protocol": "TCP"}]


def test_a_pod_without_the_named_port_is_left_out(cluster: Cluster) -> None:
    create(
        cluster,
        pod_manifest(
            "named",
            container(ports=[{"name": "http", "containerPort": 8080}]),
            labels={"app": "web"},
        ),
    )
    create(cluster, pod_manifest("plain", labels={"app": "web"}))
    create(
        cluster,
        service("web", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": "http"}]),
    )
    assert addresses(cluster, "web") == [get(cluster, "", "pods", "named")["status"]["podIP"]]


def test_endpoints_follow_pods_coming_going_and_readiness(cluster: Cluster) -> None:
    create(cluster, service("web", {"app": "web"}))
    assert "subsets" not in get(cluster, "", "endpoints", "web")
    create(cluster, pod_manifest("a", labels={"app": "web"}))
    create(cluster, pod_manifest("b", labels={"app": "web"}))
    ip_a = get(cluster, "", "pods", "a")["status"]["podIP"]
    ip_b = get(cluster, "", "pods", "b")["status"]["podIP"]
    assert addresses(cluster, "web") == sorted([ip_a, ip_b])
    set_container_state(cluster, "default", "b", "app", not_ready())
    assert addresses(cluster, "web") == [ip_a]
    assert addresses(cluster, "web", "notReadyAddresses") == [ip_b]
    edit(cluster, "", "pods", "a", lambda p: p["metadata"]["labels"].update(app="other"))
    assert addresses(cluster, "web") == []
    cluster.delete(cluster.kind("", "pods"), "default", "b")
    assert "subsets" not in get(cluster, "", "endpoints", "web")


def test_a_service_without_selector_leaves_its_endpoints_alone(cluster: Cluster) -> None:
    create(cluster, service("external", None, [{"port": 5432}]))
    assert cluster.find(cluster.kind("", "endpoints"), "default", "external") is None
    manual = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "external"},
        "subsets": [{"addresses": [{"ip": "192.0.2.10"}], "ports": [{"port": 5432}]}],
    }
    create(cluster, manual)
    edit(
        cluster,
        "",
        "services",
        "external",
        lambda s: s["metadata"].setdefault("labels", {}).update(a="b"),
    )
    assert get(cluster, "", "endpoints", "external")["subsets"] == manual["subsets"]


def test_deleting_the_service_deletes_its_endpoints(cluster: Cluster) -> None:
    create(cluster, service("web", {"app": "web"}))
    cluster.delete(cluster.kind("", "services"), "default", "web")
    assert cluster.find(cluster.kind("", "endpoints"), "default", "web") is None


def test_a_headless_service_publishes_hostnames_of_its_statefulset(cluster: Cluster) -> None:
    from .builders import workload

    create(cluster, service("db", {"app": "db"}, [{"port": 5432}], clusterIP="None"))
    create(cluster, workload("StatefulSet", "db", serviceName="db", replicas=2))
    ep = get(cluster, "", "endpoints", "db")
    assert ep["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}
    assert sorted(a["hostname"] for a in ep["subsets"][0]["addresses"]) == ["db-0", "db-1"]
