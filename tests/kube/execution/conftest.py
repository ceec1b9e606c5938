"""A cluster with pods to exec into (no controllers: pods are created directly through the API)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import run_exec

WEB_POD: dict[str, Any] = {
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "docker.io/library/busybox:1.36",
                "env": [
                    {"name": "GREETING", "value": "hi"},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {
                        "name": "POD_NAMESPACE",
                        "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
                    },
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                    {"name": "MESSAGE", "value": "$(GREETING) from $(POD_NAME), $$(LITERAL)"},
                ],
            }
        ]
    },
    "status": {"podIP": "10.244.0.7"},
}
DUO_POD: dict[str, Any] = {
    "metadata": {"name": "duo"},
    "spec": {
        "containers": [
            {"name": "app", "image": "docker.io/library/busybox:1.36"},
            {"name": "sidecar", "image": "docker.io/istio/proxyv2:1.26.0"},
        ]
    },
}

Outcome = tuple[str, str, int]


@pytest.fixture
def cluster() -> Cluster:
    """Namespaces default and shop, pods default/web and default/duo, a fixed clock."""
    made = Cluster(clock=FakeClock())
    namespaces = made.kind("", "namespaces")
    for name in ("default", "shop"):
        made.create(namespaces, {"metadata": {"name": name}})
    for pod in (WEB_POD, DUO_POD):
        made.create(made.kind("", "pods"), copy.deepcopy(pod), "default")
    return made


@pytest.fixture
def add_pod(cluster: Cluster) -> Callable[..., dict[str, Any]]:
    """Create a pod: `add_pod(spec_dict, namespace="default")`."""

    def add(pod: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
        return cluster.create(cluster.kind("", "pods"), copy.deepcopy(pod), namespace)

    return add


@pytest.fixture
def execute(cluster: Cluster) -> Callable[..., Outcome]:
    """`execute(argv, stdin="", pod="web", container="app", **run_exec options)` ->
    (stdout, stderr, exit code) as text."""

    def run(
        argv: list[str], stdin: str = "", pod: str = "web", container: str = "app", **kw: Any
    ) -> Outcome:
        result = run_exec(cluster, "default", pod, container, argv, stdin.encode(), **kw)
        return result.stdout.decode(), result.stderr.decode(), result.exit_code

    return run


@pytest.fixture
def sh(execute: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """`sh(script, stdin="", shell="sh")` -> (stdout, stderr, exit code)."""

    def run(script: str, stdin: str = "", shell: str = "sh", **kw: Any) -> Outcome:
        return execute([shell, "-c", script], stdin, **kw)

    return run
