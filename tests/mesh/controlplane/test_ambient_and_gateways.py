"""Ambient enrolment (istio.io docs/ambient/usage/add-workloads) and istiod's deployment of
Gateway API gateways (docs/tasks/traffic-management/ingress/gateway-api "Automated
Deployment")."""

from __future__ import annotations

import copy

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import run_istioctl

REDIRECTION = "ambient.istio.io/redirection"


def _cluster(profile: str) -> Cluster:
    c = new_cluster()
    seed(c, load_scenario("base"))
    assert run_istioctl(c, ["install", "-y", "--set", f"profile={profile}"])[0] == 0
    return c


def _label_default(cluster: Cluster, key: str, value: str | None) -> None:
    kind = cluster.kind("", "namespaces")
    ns = copy.deepcopy(cluster.get(kind, "", "default"))
    if value is None:
        ns["metadata"]["labels"].pop(key, None)
    else:
        ns["metadata"]["labels"][key] = value
    cluster.update(kind, ns)


def _pod(cluster: Cluster, name: str, labels: dict[str, str] | None = None) -> None:
    pod = {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "a", "image": "nginx"}]},
    }
    cluster.create(cluster.kind("", "pods"), pod, "default")


def _annotations(cluster: Cluster, name: str) -> dict[str, str]:
    pod = cluster.get(cluster.kind("", "pods"), "default", name)
    return dict(pod["metadata"].get("annotations") or {})


def test_namespace_label_enrols_existing_and_new_pods() -> None:
    cluster = _cluster("ambient")
    _pod(cluster, "before")
    assert REDIRECTION not in _annotations(cluster, "before")
    _label_default(cluster, "istio.io/dataplane-mode", "ambient")
    assert _annotations(cluster, "before")[REDIRECTION] == "enabled"
    _pod(cluster, "after")
    assert _annotations(cluster, "after")[REDIRECTION] == "enabled"
    _pod(cluster, "opted-out", {"istio.io/dataplane-mode": "none"})
    assert REDIRECTION not in _annotations(cluster, "opted-out")
    _label_default(cluster, "istio.io/dataplane-mode", None)
    assert REDIRECTION not in _annotations(cluster, "before")


def test_no_enrolment_without_cni() -> None:
    cluster = _cluster("default")
    _label_default(cluster, "istio.io/dataplane-mode", "ambient")
    _pod(cluster, "p")
    assert REDIRECTION not in _annotations(cluster, "p")


@pytest.mark.parametrize("profile", ["minimal"])
def test_gateway_class_istio_is_deployed(profile: str) -> None:
    cluster = _cluster(profile)
    gw = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "httpbin-gateway", "namespace": "default"},
        "spec": {
            "gatewayClassName": "istio",
            "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}],
        },
    }
    cluster.create(cluster.kind("gateway.networking.k8s.io", "gateways"), gw)
    svc = cluster.get(cluster.kind("", "services"), "default", "httpbin-gateway-istio")
    assert svc["spec"]["type"] == "LoadBalancer"
    assert [p["port"] for p in svc["spec"]["ports"]] == [15021, 80]
    dep = cluster.get(cluster.kind("apps", "deployments"), "default", "httpbin-gateway-istio")
    assert dep["metadata"]["labels"]["gateway.networking.k8s.io/gateway-name"] == "httpbin-gateway"
    status = cluster.get(
        cluster.kind("gateway.networking.k8s.io", "gateways"), "default", "httpbin-gateway"
    )["status"]
    assert status["addresses"] == [
        {"type": "Hostname", "value": "httpbin-gateway-istio.default.svc.cluster.local"}
    ]
