"""Profiles and what each installs (istio.io docs/setup/additional-setup/config-profiles; the
component defaults of istio/istio operator/pkg/component/component.go)."""

from __future__ import annotations

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.mesh.install import effective_spec, install, render_spec

PAGE = "istio.io docs/setup/additional-setup/config-profiles"


@pytest.fixture
def cluster() -> Cluster:
    c = new_cluster()
    seed(c, load_scenario("base"))
    return c


@pytest.mark.parametrize(
    ("profile", "components", "workloads"),
    [
        ("default", ["Istio core", "Istiod", "Ingress gateways"],
         ["Deployment/istio-ingressgateway", "Deployment/istiod"]),
        ("demo", ["Istio core", "Istiod", "Egress gateways", "Ingress gateways"],
         ["Deployment/istio-egressgateway", "Deployment/istio-ingressgateway",
          "Deployment/istiod"]),
        ("minimal", ["Istio core", "Istiod"], ["Deployment/istiod"]),
        ("empty", [], []),
        ("remote", ["Istio core", "Istiod remote"], []),
        ("ambient", ["Istio core", "Istiod", "CNI", "Ztunnel"],
         ["DaemonSet/istio-cni-node", "DaemonSet/ztunnel", "Deployment/istiod"]),
        ("preview", ["Istio core", "Istiod", "Ingress gateways"],
         ["Deployment/istio-ingressgateway", "Deployment/istiod"]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)  # fmt: skip
def test_profile_components(
    cluster: Cluster, profile: str, components: list[str], workloads: list[str]
) -> None:
    spec = effective_spec(cluster, [], [f"profile={profile}"])
    result = install(cluster, spec)
    assert [c.title for c in result.components] == components, PAGE
    found = []
    for kind in (cluster.kind("apps", "deployments"), cluster.kind("apps", "daemonsets")):
        found += [
            f"{o['kind']}/{o['metadata']['name']}" for o in cluster.list(kind, "istio-system")
        ]
    assert sorted(found) == workloads


def test_gateway_labels_and_ports(cluster: Cluster) -> None:
    """Gateway selectors rely on `istio: ingressgateway` (manifests/charts/gateways)."""
    install(cluster, effective_spec(cluster, [], ["profile=demo"]))
    svc = cluster.get(cluster.kind("", "services"), "istio-system", "istio-ingressgateway")
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}
    assert [(p["name"], p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [
        ("status-port", 15021, 15021),
        ("http2", 80, 8080),
        ("https", 443, 8443),
        ("tcp", 31400, 31400),
        ("tls", 15443, 15443),
    ]
    egress = cluster.get(cluster.kind("", "services"), "istio-system", "istio-egressgateway")
    assert egress["spec"]["type"] == "ClusterIP"
    pods = cluster.list(cluster.kind("", "pods"), "istio-system")
    gateway = next(p for p in pods if p["metadata"]["labels"].get("istio") == "ingressgateway")
    assert gateway["metadata"]["labels"]["app"] == "istio-ingressgateway"
    assert gateway["spec"]["containers"][0]["image"] == "docker.io/istio/proxyv2:1.26.2"


def test_mesh_config_map_as_istio_writes_it(cluster: Cluster) -> None:
    """ConfigMap `istio`, key `mesh` (istio-discovery templates/configmap.yaml)."""
    install(cluster, effective_spec(cluster, [], []))
    cm = cluster.get(cluster.kind("", "configmaps"), "istio-system", "istio")
    assert cm["data"]["meshNetworks"] == "networks: {}"
    assert "discoveryAddress: istiod.istio-system.svc:15012" in cm["data"]["mesh"]
    assert "rootNamespace: istio-system" in cm["data"]["mesh"]


def test_revision_names(cluster: Cluster) -> None:
    """A revision R gets istiod-R, istio-R, istio-sidecar-injector-R (docs/setup/upgrade/canary)."""
    install(cluster, effective_spec(cluster, [], ["profile=minimal"], revision="canary"))
    names = {
        (o["kind"], o["metadata"]["name"])
        for c in render_spec(
            cluster, effective_spec(cluster, [], ["profile=minimal", "revision=canary"])
        )
        for o in c.objects
        if o["kind"] != "CustomResourceDefinition"
    }
    assert ("Deployment", "istiod-canary") in names
    assert ("ConfigMap", "istio-canary") in names
    assert ("ConfigMap", "istio-sidecar-injector-canary") in names
    assert ("MutatingWebhookConfiguration", "istio-sidecar-injector-canary") in names
    assert ("ValidatingWebhookConfiguration", "istio-validator-canary-istio-system") in names
    dep = cluster.get(cluster.kind("apps", "deployments"), "istio-system", "istiod-canary")
    assert dep["metadata"]["labels"]["istio.io/rev"] == "canary"
    # the first revision installed becomes the default (a `default` tag)
    mwc = cluster.kind("admissionregistration.k8s.io", "mutatingwebhookconfigurations")
    assert cluster.find(mwc, "", "istio-revision-tag-default") is not None


def test_reinstall_prunes_removed_components(cluster: Cluster) -> None:
    """Re-installing with a smaller profile removes what it no longer renders."""
    install(cluster, effective_spec(cluster, [], ["profile=demo"]))
    result = install(cluster, effective_spec(cluster, [], ["profile=default"]))
    assert "Deployment:istio-system:istio-egressgateway" in result.removed
    deps = cluster.kind("apps", "deployments")
    assert cluster.find(deps, "istio-system", "istio-egressgateway") is None
