"""label, annotate, patch (merge, JSON, strategic), edit, scale and delete."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from running_api import RunningApi

MANIFESTS = Path(__file__).parent / "manifests"


def test_label_and_annotate(api: RunningApi) -> None:
    api.ok("create", "namespace", "demo")
    assert api.ok("label", "ns", "demo", "istio-injection=enabled").strip() == (
        "namespace/demo labeled"
    )
    labels = json.loads(api.ok("get", "ns", "demo", "-o", "jsonpath={.metadata.labels}"))
    assert labels == {"istio-injection": "enabled", "kubernetes.io/metadata.name": "demo"}
    taken = api.kubectl("label", "ns", "demo", "istio-injection=disabled")
    assert taken.returncode == 1
    assert "already has a value (enabled), and --overwrite is false" in taken.stderr
    api.ok("label", "ns", "demo", "istio-injection-")
    assert api.ok("get", "ns", "demo", "-o", "jsonpath={.metadata.labels.istio-injection}") == ""
    assert api.ok("annotate", "ns", "demo", "owner=team-a").strip() == "namespace/demo annotated"
    assert api.ok("get", "ns", "demo", "-o", "jsonpath={.metadata.annotations.owner}") == "team-a"


def test_patch_merge_json_and_strategic(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    api.ok("apply", "-f", str(MANIFESTS / "reviews-routing.yaml"))
    merged = api.ok(
        "patch",
        "dr",
        "reviews",
        "--type=merge",
        "-p",
        '{"spec":{"trafficPolicy":{"loadBalancer":{"simple":"ROUND_ROBIN"}}}}',
    )
    assert merged.strip() == "destinationrule.networking.istio.io/reviews patched"
    assert (
        api.ok("get", "dr", "reviews", "-o", "jsonpath={.spec.trafficPolicy.loadBalancer.simple}")
        == "ROUND_ROBIN"
    )
    jsonpatched = api.ok(
        "patch",
        "vs",
        "reviews",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/http/1/route/0/destination/subset","value":"v2"}]',
    )
    assert jsonpatched.strip() == "virtualservice.networking.istio.io/reviews patched"
    assert (
        api.ok("get", "vs", "reviews", "-o", "jsonpath={.spec.http[1].route[0].destination.subset}")
        == "v2"
    )
    strategic = api.ok(
        "patch",
        "deploy",
        "reviews-v1",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"reviews","env":'
        '[{"name":"EXTRA","value":"1"}]}]}}}}',
    )
    assert strategic.strip() == "deployment.apps/reviews-v1 patched"
    env = json.loads(
        api.ok(
            "get", "deploy", "reviews-v1", "-o", "jsonpath={.spec.template.spec.containers[0].env}"
        )
    )
    assert env == [{"name": "EXTRA", "value": "1"}, {"name": "LOG_DIR", "value": "/tmp/logs"}]
    unchanged = api.ok("patch", "dr", "reviews", "--type=merge", "-p", "{}")
    assert unchanged.strip() == "destinationrule.networking.istio.io/reviews patched (no change)"


def test_strategic_merge_patch_on_a_custom_resource_is_415(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "reviews-routing.yaml"))
    result = api.kubectl("patch", "vs", "reviews", "--type=strategic", "-p", '{"spec":{}}')
    assert result.returncode == 1
    assert "UnsupportedMediaType" in result.stderr or "unknown format" in result.stderr


def test_edit_with_a_scripted_editor(api: RunningApi, tmp_path: Path) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "reviews-routing.yaml"))
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/mode: STRICT/mode: DISABLE/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    env = dict(api.env, KUBE_EDITOR=str(editor))
    import subprocess

    from running_api import kubectl_binary

    proc = subprocess.run(
        [kubectl_binary(), "edit", "peerauthentication", "default"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "peerauthentication.security.istio.io/default edited"
    assert api.ok("get", "pa", "default", "-o", "jsonpath={.spec.mtls.mode}") == "DISABLE"


def test_scale_changes_replicas_and_pods(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    assert api.ok("scale", "deploy", "reviews-v1", "--replicas=3").strip() == (
        "deployment.apps/reviews-v1 scaled"
    )
    pods = api.ok("get", "pods", "-l", "app=reviews", "-o", "name").split()
    assert len(pods) == 3
    ready = api.ok("get", "deploy", "reviews-v1", "-o", "jsonpath={.status.readyReplicas}")
    assert ready == "3"
    api.ok("scale", "deploy", "reviews-v1", "--replicas=1")
    assert len(api.ok("get", "pods", "-l", "app=reviews", "-o", "name").split()) == 1


def test_delete_namespace_removes_its_contents(api: RunningApi) -> None:
    api.ok("create", "namespace", "bookinfo")
    api.ok("apply", "-n", "bookinfo", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    api.ok("apply", "-n", "bookinfo", "-f", str(MANIFESTS / "reviews-routing.yaml"))
    assert api.ok("delete", "namespace", "bookinfo").strip() == 'namespace "bookinfo" deleted'
    gone = api.kubectl("get", "ns", "bookinfo")
    assert gone.returncode == 1
    assert 'namespaces "bookinfo" not found' in gone.stderr
    for kind in ("deploy", "pods", "vs", "svc"):
        assert (
            api.ok(
                "get", kind, "-A", "-o", "name", "--field-selector", "metadata.namespace=bookinfo"
            )
            == ""
        )


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public"])
def test_system_namespaces_cannot_be_deleted(api: RunningApi, namespace: str) -> None:
    """The NamespaceLifecycle admission plug-in keeps default, kube-system and kube-public."""
    result = api.kubectl("delete", "namespace", namespace)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f'Error from server (Forbidden): namespaces "{namespace}" is forbidden: '
        "this namespace may not be deleted"
    )
    assert api.ok("get", "ns", namespace, "-o", "name").strip() == f"namespace/{namespace}"


def test_delete_deployment_cascades_to_pods(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    out = api.ok("delete", "deploy", "details-v1")
    assert out.strip() == 'deployment.apps "details-v1" deleted from default namespace'
    assert api.ok("get", "rs,pods", "-l", "app=details", "-o", "name") == ""
