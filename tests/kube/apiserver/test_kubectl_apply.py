"""`kubectl apply` (client- and server-side) against the lab, core and Istio kinds."""

from __future__ import annotations

import json
from pathlib import Path

from running_api import RunningApi

MANIFESTS = Path(__file__).parent / "manifests"


def test_apply_multi_document_creates_then_reports_unchanged(api: RunningApi) -> None:
    path = str(MANIFESTS / "bookinfo-lite.yaml")
    first = api.ok("apply", "-f", path)
    assert first.splitlines() == [
        "service/details created",
        "serviceaccount/bookinfo-details created",
        "deployment.apps/details-v1 created",
        "service/reviews created",
        "deployment.apps/reviews-v1 created",
    ]
    second = api.ok("apply", "-f", path)
    assert second.splitlines() == [
        "service/details unchanged",
        "serviceaccount/bookinfo-details unchanged",
        "deployment.apps/details-v1 unchanged",
        "service/reviews unchanged",
        "deployment.apps/reviews-v1 unchanged",
    ]


def test_apply_update_changes_the_live_object(api: RunningApi) -> None:
    path = str(MANIFESTS / "bookinfo-lite.yaml")
    api.ok("apply", "-f", path)
    changed = (
        (MANIFESTS / "bookinfo-lite.yaml")
        .read_text()
        .replace("examples-bookinfo-reviews-v1:1.20.2", "examples-bookinfo-reviews-v1:1.20.3")
    )
    out = api.ok("apply", "-f", "-", input=changed)
    assert "deployment.apps/reviews-v1 configured" in out.splitlines()
    assert "deployment.apps/details-v1 unchanged" in out.splitlines()
    live = json.loads(api.ok("get", "deploy", "reviews-v1", "-o", "json"))
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "docker.io/istio/examples-bookinfo-reviews-v1:1.20.3"
    assert container["env"] == [{"name": "LOG_DIR", "value": "/tmp/logs"}]
    assert live["metadata"]["generation"] == 2
    annotation = live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert "1.20.3" in annotation


def test_apply_removing_a_field_removes_it_from_the_live_object(api: RunningApi) -> None:
    text = (MANIFESTS / "bookinfo-lite.yaml").read_text()
    api.ok("apply", "-f", "-", input=text)
    without_env = text.replace(
        '        env:\n        - name: LOG_DIR\n          value: "/tmp/logs"\n', ""
    )
    api.ok("apply", "-f", "-", input=without_env)
    live = json.loads(api.ok("get", "deploy", "reviews-v1", "-o", "json"))
    assert "env" not in live["spec"]["template"]["spec"]["containers"][0]


def test_apply_istio_kinds_create_and_configure(api: RunningApi) -> None:
    path = str(MANIFESTS / "reviews-routing.yaml")
    assert api.ok("apply", "-f", path).splitlines() == [
        "virtualservice.networking.istio.io/reviews created",
        "destinationrule.networking.istio.io/reviews created",
        "peerauthentication.security.istio.io/default created",
        "authorizationpolicy.security.istio.io/allow-get created",
    ]
    changed = (
        (MANIFESTS / "reviews-routing.yaml").read_text().replace("mode: STRICT", "mode: PERMISSIVE")
    )
    out = api.ok("apply", "-f", "-", input=changed)
    assert "peerauthentication.security.istio.io/default configured" in out.splitlines()
    mode = api.ok("get", "pa", "default", "-o", "jsonpath={.spec.mtls.mode}")
    assert mode == "PERMISSIVE"


def test_every_served_version_reads_the_same_istio_object(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "reviews-routing.yaml"))
    for version in ("v1", "v1beta1", "v1alpha3"):
        obj = json.loads(
            api.ok("get", f"virtualservices.{version}.networking.istio.io", "reviews", "-o", "json")
        )
        assert obj["apiVersion"] == f"networking.istio.io/{version}"
        assert obj["spec"]["hosts"] == ["reviews"]


def test_apply_server_side_creates_then_updates(api: RunningApi) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: info\n"
    assert api.ok("apply", "--server-side", "-f", "-", input=cm).strip() == (
        "configmap/settings serverside-applied"
    )
    api.ok("apply", "--server-side", "-f", "-", input=cm.replace("info", "debug"))
    live = json.loads(api.ok("get", "cm", "settings", "-o", "json", "--show-managed-fields"))
    assert live["data"] == {"level": "debug"}
    managers = [m["manager"] for m in live["metadata"].get("managedFields", [])]
    assert "kubectl" in managers


def test_apply_server_side_conflict_needs_force(api: RunningApi) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n  level: info\n"
    api.ok("apply", "--server-side", "--field-manager=alice", "-f", "-", input=cm)
    clash = api.kubectl(
        "apply", "--server-side", "--field-manager=bob", "-f", "-", input=cm.replace("info", "x")
    )
    assert clash.returncode != 0
    assert "conflict" in clash.stderr.lower()
    forced = api.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=bob",
        "-f",
        "-",
        input=cm.replace("info", "x"),
    )
    assert forced.returncode == 0, forced.stderr
    assert api.ok("get", "cm", "owned", "-o", "jsonpath={.data.level}") == "x"


def test_create_namespace_and_configmap_and_secret_use_protobuf(api: RunningApi) -> None:
    assert api.ok("create", "namespace", "bookinfo").strip() == "namespace/bookinfo created"
    out = api.ok("create", "configmap", "cfg", "-n", "bookinfo", "--from-literal=a=b")
    assert out.strip() == "configmap/cfg created"
    out = api.ok("create", "secret", "generic", "creds", "-n", "bookinfo", "--from-literal=k=v")
    assert out.strip() == "secret/creds created"
    secret = json.loads(api.ok("get", "secret", "creds", "-n", "bookinfo", "-o", "json"))
    assert secret["data"] == {"k": "dg=="}
    assert secret["type"] == "Opaque"
