"""Cells of apps kinds and admission webhook configurations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from meshcert.kube.served_kinds import default_registry
from meshcert.kube.tables import table_for

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
REGISTRY = default_registry()
CREATED = "2025-12-30T09:00:00Z"  # 2d3h before NOW


def cells(group: str, plural: str, obj: dict[str, Any]) -> list[Any]:
    kind = REGISTRY.by_plural(group, plural)
    assert kind is not None
    row: list[Any] = table_for(kind, [obj], now=NOW)["rows"][0]["cells"]
    return row


def workload(spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    template = {
        "metadata": {"labels": {"app": "reviews"}},
        "spec": {
            "containers": [
                {"name": "reviews", "image": "docker.io/istio/examples-bookinfo-reviews-v1:1.20.3"},
                {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.26.0"},
            ]
        },
    }
    return {
        "metadata": {"name": "reviews-v1", "creationTimestamp": CREATED},
        "spec": {"template": template, **spec},
        "status": status,
    }


CONTAINERS = "reviews,istio-proxy"
IMAGES = "docker.io/istio/examples-bookinfo-reviews-v1:1.20.3,docker.io/istio/proxyv2:1.26.0"

CASES: list[tuple[str, str, dict[str, Any], list[Any]]] = [
    (
        "deployment-rolling",
        "deployments",
        workload(
            {"replicas": 3, "selector": {"matchLabels": {"app": "reviews", "version": "v1"}}},
            {"readyReplicas": 2, "updatedReplicas": 1, "availableReplicas": 2},
        ),
        ["2/3", 1, 2, "2d3h", CONTAINERS, IMAGES, "app=reviews,version=v1"],
    ),
    (
        "deployment-defaults",
        "deployments",
        workload({}, {}),
        ["0/1", 0, 0, "2d3h", CONTAINERS, IMAGES, ""],
    ),
    (
        "deployment-bad-selector",
        "deployments",
        workload({"selector": {"matchExpressions": [{"key": "a", "operator": "Is"}]}}, {}),
        ["0/1", 0, 0, "2d3h", CONTAINERS, IMAGES, "<invalid>"],
    ),
    (
        "deployment-scaled-to-zero",
        "deployments",
        workload({"replicas": 0, "selector": {"matchLabels": {"app": "reviews"}}}, {}),
        ["0/0", 0, 0, "2d3h", CONTAINERS, IMAGES, "app=reviews"],
    ),
    (
        "replicaset",
        "replicasets",
        workload(
            {
                "replicas": 2,
                "selector": {
                    "matchLabels": {"app": "reviews"},
                    "matchExpressions": [
                        {"key": "pod-template-hash", "operator": "In", "values": ["7d9f"]}
                    ],
                },
            },
            {"replicas": 2, "readyReplicas": 1},
        ),
        [2, 2, 1, "2d3h", CONTAINERS, IMAGES, "app=reviews,pod-template-hash in (7d9f)"],
    ),
    (
        "replicaset-without-selector",
        "replicasets",
        workload({"replicas": 1}, {}),
        [1, 0, 0, "2d3h", CONTAINERS, IMAGES, "<none>"],
    ),
    (
        "daemonset",
        "daemonsets",
        workload(
            {"selector": {"matchLabels": {"k8s-app": "ztunnel"}}},
            {
                "desiredNumberScheduled": 3,
                "currentNumberScheduled": 3,
                "numberReady": 2,
                "updatedNumberScheduled": 3,
                "numberAvailable": 2,
            },
        ),
        [3, 3, 2, 3, 2, "<none>", "2d3h", CONTAINERS, IMAGES, "k8s-app=ztunnel"],
    ),
    (
        "statefulset",
        "statefulsets",
        workload({"replicas": 3}, {"readyReplicas": 3}),
        ["3/3", "2d3h", CONTAINERS, IMAGES],
    ),
]


@pytest.mark.parametrize(
    ("plural", "obj", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_apps_cells(plural: str, obj: dict[str, Any], expected: list[Any]) -> None:
    assert cells("apps", plural, obj) == ["reviews-v1", *expected]


def test_daemonset_node_selector_comes_from_the_pod_template() -> None:
    obj = workload({}, {})
    obj["spec"]["template"]["spec"]["nodeSelector"] = {
        "kubernetes.io/os": "linux",
        "disk": "ssd",
    }
    assert cells("apps", "daemonsets", obj)[6] == "disk=ssd,kubernetes.io/os=linux"


def test_workload_without_a_template_has_empty_container_cells() -> None:
    bare = {"metadata": {"name": "bare", "creationTimestamp": CREATED}}
    assert cells("apps", "deployments", bare) == ["bare", "0/1", 0, 0, "2d3h", "", "", ""]


@pytest.mark.parametrize(
    "plural", ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
)
@pytest.mark.parametrize(("webhooks", "count"), [(None, 0), ([{"name": "a"}, {"name": "b"}], 2)])
def test_webhook_configurations_count_their_webhooks(
    plural: str, webhooks: list[dict[str, str]] | None, count: int
) -> None:
    obj: dict[str, Any] = {
        "metadata": {"name": "istio-sidecar-injector", "creationTimestamp": CREATED}
    }
    if webhooks is not None:
        obj["webhooks"] = webhooks
    assert cells("admissionregistration.k8s.io", plural, obj) == [
        "istio-sidecar-injector",
        count,
        "2d3h",
    ]
