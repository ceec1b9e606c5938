"""IstioOperator overlays and `--set` (istio.io docs/setup/install/istioctl "Customizing the
configuration"; istio/istio operator/pkg/render/manifest.go)."""

from __future__ import annotations

from typing import Any

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.mesh.install import InstallError, effective_spec
from meshcert.mesh.install.operator import apply_set, merge, parse_value, split_path

KEY = "container.apparmor.security.beta.kubernetes.io/istio-proxy"
ESCAPED = KEY.replace(".", "\\.")
IOP = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n"


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return new_cluster()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("profile=demo", {"profile": "demo"}),
        ("meshConfig.accessLogFile=/dev/stdout", {"meshConfig": {"accessLogFile": "/dev/stdout"}}),
        ("values.pilot.replicaCount=2", {"values": {"pilot": {"replicaCount": 2}}}),
        ("values.global.proxy.privileged=true",
         {"values": {"global": {"proxy": {"privileged": True}}}}),
        ("components.egressGateways[0].enabled=true",
         {"components": {"egressGateways": [{"enabled": True}]}}),
        ("components.ingressGateways[name:istio-ingressgateway].enabled=false",
         {"components": {"ingressGateways": [{"name": "istio-ingressgateway", "enabled": False}]}}),
        (f"values.sidecarInjectorWebhook.injectedAnnotations.{ESCAPED}=runtime/default",
         {"values": {"sidecarInjectorWebhook": {"injectedAnnotations": {KEY: "runtime/default"}}}}),
    ],
    ids=["profile", "mesh-config", "int", "bool", "list-index", "list-key", "escaped-dots"],
)  # fmt: skip
def test_set(expression: str, expected: dict[str, Any]) -> None:
    spec: dict[str, Any] = {}
    apply_set(spec, expression)
    assert spec == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("bogus=1", 'unknown field "bogus" in IstioOperatorSpec'),
        ("values.bogus=1", 'unknown field "bogus" in Values'),
        ("nothing", "expected path=value"),
    ],
)
def test_set_errors(expression: str, message: str) -> None:
    with pytest.raises(InstallError, match=message):
        apply_set({}, expression)


def test_files_overlay_in_order_then_set(cluster: Cluster) -> None:
    first = IOP + "  profile: demo\n  meshConfig:\n    accessLogFile: /dev/stdout\n"
    second = IOP + "  meshConfig:\n    accessLogEncoding: JSON\n"
    spec = effective_spec(
        cluster,
        [("a.yaml", first), ("b.yaml", second)],
        ["meshConfig.accessLogFile=/tmp/log"],
    )
    assert spec["profile"] == "demo"
    assert spec["meshConfig"] == {"accessLogFile": "/tmp/log", "accessLogEncoding": "JSON"}
    assert [g["name"] for g in spec["components"]["egressGateways"]] == ["istio-egressgateway"]


def test_named_gateway_lists_merge_by_name() -> None:
    base = {"ingressGateways": [{"name": "istio-ingressgateway", "enabled": True, "k8s": {"a": 1}}]}
    overlay = {
        "ingressGateways": [{"name": "istio-ingressgateway", "enabled": False}, {"name": "extra"}]
    }
    assert merge(base, overlay) == {
        "ingressGateways": [
            {"name": "istio-ingressgateway", "enabled": False, "k8s": {"a": 1}},
            {"name": "extra"},
        ]
    }


@pytest.mark.parametrize(
    ("files", "sets", "message"),
    [
        ([("x.yaml", "kind: Deployment\n")], [], "expected kind IstioOperator"),
        ([("x.yaml", IOP + "  bogus: 1\n")], [], 'unknown field "spec.bogus" in IstioOperator'),
        ([("x.yaml", IOP + "  components:\n    pilot:\n      enabled: maybe\n")], [],
         "must be of type boolean"),
        ([], ["profile=nosuch"],
         'profile "nosuch" not found. Available profiles: ambient, default, demo'),
        ([], ["revision=Bad_Rev"], "invalid revision specified"),
    ],
    ids=["not-iop", "unknown-field", "type-error", "unknown-profile", "bad-revision"],
)  # fmt: skip
def test_invalid_operator(
    cluster: Cluster, files: list[tuple[str, str]], sets: list[str], message: str
) -> None:
    with pytest.raises(InstallError, match=message):
        effective_spec(cluster, files, sets)


def test_helpers() -> None:
    assert split_path("a.b\\.c.d") == ["a", "b.c", "d"]
    assert [parse_value(v) for v in ("true", "3", "1.5", "x")] == [True, 3, 1.5, "x"]
