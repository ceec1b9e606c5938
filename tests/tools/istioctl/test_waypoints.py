"""istio.io docs/ambient/usage/waypoint ("Configure waypoint proxies") and the ambient
getting-started install: `istioctl waypoint apply|list|delete`, istiod deploying the waypoint,
and namespace enrolment by label."""

from __future__ import annotations

import pytest

from meshcert.kube import gateway_api
from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import run_istioctl


@pytest.fixture
def cluster() -> Cluster:
    c = new_cluster()
    seed(c, load_scenario("base"))
    gateway_api.install(c)  # the ambient install pages install the Gateway API CRDs first
    code, out, err = run_istioctl(c, ["install", "--set", "profile=ambient", "--skip-confirmation"])
    assert code == 0, err
    assert out.splitlines()[:5] == [
        "✔ Istio core installed ⛵️",
        "✔ Istiod installed 🧠",
        "✔ CNI installed 🪢",
        "✔ Ztunnel installed 🔒",
        "✔ Installation complete",
    ]
    return c


def test_waypoint_apply_deploys_and_enrols(cluster: Cluster) -> None:
    code, out, _ = run_istioctl(
        cluster, ["waypoint", "apply", "-n", "default", "--enroll-namespace", "--wait"]
    )
    assert code == 0
    assert out.splitlines()[0] == "✅ waypoint default/waypoint applied"
    gw = cluster.get(cluster.kind("gateway.networking.k8s.io", "gateways"), "default", "waypoint")
    assert gw["spec"] == {
        "gatewayClassName": "istio-waypoint",
        "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
    }
    assert gw["metadata"]["labels"]["istio.io/waypoint-for"] == "service"
    programmed = [c for c in gw["status"]["conditions"] if c["type"] == "Programmed"]
    assert programmed[0]["status"] == "True"
    dep = cluster.get(cluster.kind("apps", "deployments"), "default", "waypoint")
    assert dep["status"]["availableReplicas"] == 1
    svc = cluster.get(cluster.kind("", "services"), "default", "waypoint")
    assert [p["port"] for p in svc["spec"]["ports"]] == [15021, 15008]
    ns = cluster.get(cluster.kind("", "namespaces"), "", "default")
    assert ns["metadata"]["labels"]["istio.io/use-waypoint"] == "waypoint"
    code, out, _ = run_istioctl(cluster, ["waypoint", "list", "-n", "default"])
    assert out.splitlines() == [
        "NAME        REVISION    PROGRAMMED",
        "waypoint    default     True",
    ]


def test_waypoint_delete_removes_its_deployment(cluster: Cluster) -> None:
    run_istioctl(
        cluster, ["waypoint", "apply", "-n", "default", "--name", "reviews-wp", "--for", "workload"]
    )
    code, out, _ = run_istioctl(cluster, ["waypoint", "delete", "reviews-wp", "-n", "default"])
    assert (code, out) == (0, "waypoint default/reviews-wp deleted\n")
    assert cluster.find(cluster.kind("apps", "deployments"), "default", "reviews-wp") is None
    assert run_istioctl(cluster, ["waypoint", "list", "-n", "default"])[1] == (
        "No waypoints found in namespace default.\n"
    )


def test_gateway_classes_exist_after_install(cluster: Cluster) -> None:
    names = [
        g["metadata"]["name"]
        for g in cluster.list(cluster.kind("gateway.networking.k8s.io", "gatewayclasses"))
    ]
    assert names == ["istio", "istio-remote", "istio-waypoint"]


def test_waypoint_apply_needs_the_gateway_api_crds() -> None:
    """istioctl/pkg/waypoint/waypoint.go: without the CRDs the server-side apply is NotFound;
    istiod writes its GatewayClasses once the CRDs appear."""
    c = new_cluster()
    seed(c, load_scenario("base"))
    code, _, err = run_istioctl(c, ["install", "--set", "profile=ambient", "--skip-confirmation"])
    assert code == 0, err
    code, _, err = run_istioctl(c, ["waypoint", "apply", "-n", "default"])
    assert code == 1
    assert err.splitlines()[-1] == (
        "Error: missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: "
        "the server could not find the requested resource "
        "(patch gateways.gateway.networking.k8s.io waypoint)"
    )
    classes = c.kind("gateway.networking.k8s.io", "gatewayclasses")
    assert c.list(classes) == []
    gateway_api.install(c)
    assert sorted(gc["metadata"]["name"] for gc in c.list(classes)) == [
        "istio",
        "istio-remote",
        "istio-waypoint",
    ]
    code, _, err = run_istioctl(c, ["waypoint", "apply", "-n", "default"])
    assert code == 0, err
