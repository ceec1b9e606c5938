"""The shipped Istio scenarios (issue 3): an `istio:` step installs Istio before the manifests,
so bookinfo comes up injected. (Start-up time is measured by benchmarks, not asserted here.)"""

from __future__ import annotations

import pytest

from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed, shipped_scenarios
from meshcert.mesh.controlplane import has_sidecar, revision_health


def test_istio_scenarios_are_shipped() -> None:
    assert {"istio-default", "istio-demo", "bookinfo", "bookinfo-httpbin-curl"} <= set(
        shipped_scenarios()
    )


@pytest.mark.parametrize(
    ("name", "gateways", "apps"),
    [
        ("istio-default", ["istio-ingressgateway"], []),
        ("istio-demo", ["istio-egressgateway", "istio-ingressgateway"], []),
        ("bookinfo", ["istio-egressgateway", "istio-ingressgateway"],
         ["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3"]),
        ("bookinfo-httpbin-curl", ["istio-egressgateway", "istio-ingressgateway"],
         ["curl", "details-v1", "httpbin", "productpage-v1", "ratings-v1", "reviews-v1",
          "reviews-v2", "reviews-v3"]),
    ],
)  # fmt: skip
def test_scenario(name: str, gateways: list[str], apps: list[str]) -> None:
    cluster = new_cluster()
    seed(cluster, load_scenario(name))
    health = revision_health(cluster, "default")
    assert health is not None
    assert health.healthy
    deployments = cluster.kind("apps", "deployments")
    in_istio = [d["metadata"]["name"] for d in cluster.list(deployments, "istio-system")]
    assert in_istio == sorted([*gateways, "istiod"])
    assert [d["metadata"]["name"] for d in cluster.list(deployments, "default")] == apps
    pods = cluster.list(cluster.kind("", "pods"), "default")
    assert len(pods) == len(apps)
    assert all(has_sidecar(p) and p["status"]["phase"] == "Running" for p in pods)
