"""Data-driven injection rules: which revision injects a new pod, from namespace and pod labels,
with the webhook configurations istioctl installs (default revision, revision `canary`, tag
`prod-stable`). Each case names its source."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.mesh.controlplane import revision_of_proxy
from meshcert.tools.istioctl import run_istioctl

PAGE = "istio.io docs/setup/additional-setup/sidecar-injection"
CANARY = "istio.io docs/setup/upgrade/canary"
INJECT = "istio/istio pkg/kube/inject/inject.go"


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    expected: str | None  # the injecting revision, None = not injected
    ns_labels: dict[str, str] = field(default_factory=dict)
    pod_labels: dict[str, str] = field(default_factory=dict)
    pod_annotations: dict[str, str] = field(default_factory=dict)
    namespace: str = "apps"
    host_network: bool = False


CASES = [
    Case("ns-enabled", PAGE, "default", {"istio-injection": "enabled"}),
    Case("ns-enabled-pod-label-false", PAGE, None, {"istio-injection": "enabled"},
         {"sidecar.istio.io/inject": "false"}),
    Case("ns-enabled-pod-annotation-false", INJECT, None, {"istio-injection": "enabled"},
         pod_annotations={"sidecar.istio.io/inject": "false"}),
    Case("ns-unlabelled", PAGE, None),
    Case("ns-unlabelled-pod-label-true", PAGE, "default", {}, {"sidecar.istio.io/inject": "true"}),
    Case("ns-disabled-pod-label-true", PAGE, None, {"istio-injection": "disabled"},
         {"sidecar.istio.io/inject": "true"}),
    Case("ns-rev-canary", CANARY, "canary", {"istio.io/rev": "canary"}),
    Case("ns-rev-and-enabled-enabled-wins", PAGE, "default",
         {"istio.io/rev": "canary", "istio-injection": "enabled"}),
    Case("ns-unlabelled-pod-rev-canary", PAGE, "canary", {}, {"istio.io/rev": "canary"}),
    Case("ns-rev-tag", CANARY, "canary", {"istio.io/rev": "prod-stable"}),
    Case("ns-rev-unknown", CANARY, None, {"istio.io/rev": "nosuch"}),
    Case("kube-system-skipped", INJECT, None, {"istio-injection": "enabled"},
         namespace="kube-system"),
    Case("host-network-skipped", INJECT, None, {"istio-injection": "enabled"}, host_network=True),
]  # fmt: skip


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = new_cluster()
    seed(c, load_scenario("base"))
    for argv in (
        ["install", "-y"],
        ["install", "-y", "--set", "revision=canary", "--set", "profile=minimal"],
        ["tag", "set", "prod-stable", "--revision", "canary"],
    ):
        code, _, err = run_istioctl(c, argv)
        assert code == 0, err
    return c


def _pod(cluster: Cluster, case: Case) -> dict[str, Any]:
    ns_kind = cluster.kind("", "namespaces")
    name = case.namespace if case.namespace == "kube-system" else f"t-{case.id}"
    ns = cluster.find(ns_kind, "", name)
    if ns is None:
        cluster.create(ns_kind, {"metadata": {"name": name, "labels": case.ns_labels}})
    else:
        ns = copy.deepcopy(ns)
        ns["metadata"]["labels"] = {**ns["metadata"].get("labels", {}), **case.ns_labels}
        cluster.update(ns_kind, ns)
    pod = {
        "metadata": {
            "name": f"p-{case.id}",
            "labels": {"app": "web", **case.pod_labels},
            "annotations": dict(case.pod_annotations),
        },
        "spec": {
            "containers": [{"name": "web", "image": "nginx"}],
            "hostNetwork": case.host_network,
        },
    }
    return cluster.create(cluster.kind("", "pods"), pod, name)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_injection_rule(cluster: Cluster, case: Case) -> None:
    pod = _pod(cluster, case)
    names = [c["name"] for c in pod["spec"]["containers"]]
    if case.expected is None:
        assert names == ["web"], case.source
        assert "sidecar.istio.io/status" not in (pod["metadata"].get("annotations") or {})
        return
    assert names == ["web", "istio-proxy"], case.source
    assert revision_of_proxy(pod) == case.expected


def test_injected_pod_looks_like_istios(cluster: Cluster) -> None:
    """pkg/kube/inject: status annotation, default container, canonical labels, istio-init."""
    pod = _pod(cluster, Case("shape", INJECT, "default", {"istio-injection": "enabled"},
                             {"version": "v2"}))  # fmt: skip
    meta = pod["metadata"]
    assert meta["labels"]["security.istio.io/tlsMode"] == "istio"
    assert meta["labels"]["service.istio.io/canonical-name"] == "web"
    assert meta["labels"]["service.istio.io/canonical-revision"] == "v2"
    assert meta["annotations"]["kubectl.kubernetes.io/default-container"] == "web"
    assert meta["annotations"]["sidecar.istio.io/status"].startswith(
        '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket"'
    )
    assert meta["annotations"]["sidecar.istio.io/status"].endswith(
        '"imagePullSecrets":null,"revision":"default"}'
    )
    proxy = pod["spec"]["containers"][1]
    assert proxy["image"] == "docker.io/istio/proxyv2:1.26.2"
    assert proxy["args"][:2] == ["proxy", "sidecar"]
    assert {"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"} in proxy["ports"]
    assert proxy["readinessProbe"]["httpGet"]["port"] == 15021
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["istio-init"]


def test_update_does_not_inject(cluster: Cluster) -> None:
    """The webhooks' rules cover CREATE only (mutatingwebhook.yaml): labelling the namespace
    after the pod exists changes nothing until the pod is re-created."""
    pod = _pod(cluster, Case("later", PAGE, None))
    ns_kind = cluster.kind("", "namespaces")
    ns = copy.deepcopy(cluster.get(ns_kind, "", "t-later"))
    ns["metadata"]["labels"]["istio-injection"] = "enabled"
    cluster.update(ns_kind, ns)
    pod = copy.deepcopy(cluster.get(cluster.kind("", "pods"), "t-later", "p-later"))
    pod["metadata"]["labels"]["touched"] = "yes"
    updated = cluster.update(cluster.kind("", "pods"), pod, "t-later")
    assert [c["name"] for c in updated["spec"]["containers"]] == ["web"]


def test_default_tag_moves_default_injection() -> None:
    """docs/setup/upgrade/canary "Default tag": `istioctl tag set default --revision canary`
    makes `istio-injection=enabled` namespaces inject the canary."""
    c = new_cluster()
    seed(c, load_scenario("base"))
    for argv in (
        ["install", "-y"],
        ["install", "-y", "--set", "revision=canary", "--set", "profile=minimal"],
        ["tag", "set", "default", "--revision", "canary"],
    ):
        assert run_istioctl(c, argv)[0] == 0
    pod = _pod(c, Case("moved", CANARY, "canary", {"istio-injection": "enabled"}))
    assert revision_of_proxy(pod) == "canary"


def test_no_injection_after_uninstall() -> None:
    """The injector is the webhook configurations: `istioctl uninstall --purge` removes them and
    with them injection (docs/setup/install/istioctl "Uninstall Istio")."""
    c = new_cluster()
    seed(c, load_scenario("base"))
    assert run_istioctl(c, ["install", "-y"])[0] == 0
    assert run_istioctl(c, ["uninstall", "--purge", "-y"])[0] == 0
    pod = _pod(c, Case("gone", PAGE, None, {"istio-injection": "enabled"}))
    assert [x["name"] for x in pod["spec"]["containers"]] == ["web"]


def test_sidecar_follows_the_injector_values() -> None:
    """The injector renders from its ConfigMap's values (istio-sidecar-injector `values`):
    `--set tag=` picks the proxy image, the demo profile's global.proxy.resources its requests."""
    c = new_cluster()
    seed(c, load_scenario("base"))
    assert (
        run_istioctl(c, ["install", "-y", "--set", "profile=demo", "--set", "tag=1.26.1"])[0] == 0
    )
    pod = _pod(c, Case("values", INJECT, "default", {"istio-injection": "enabled"}))
    proxy = pod["spec"]["containers"][1]
    assert proxy["image"] == "docker.io/istio/proxyv2:1.26.1"
    # demo sets only requests; the chart's limits stay (istio-discovery/values.yaml)
    assert proxy["resources"] == {
        "requests": {"cpu": "10m", "memory": "40Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    assert pod["spec"]["initContainers"][0]["image"] == "docker.io/istio/proxyv2:1.26.1"
