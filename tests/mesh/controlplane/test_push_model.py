"""The push model of docs/mesh.md: a revision's pushed version follows the cluster while its
istiod is healthy and stays at the last good version while it is not (scaled to 0). A mesh
config istiod rejects does not stop it: it pushes with its last known mesh config (istio/istio
pkg/config/mesh/meshwatcher/collection.go `NewCollection`), or Istio's defaults when it
started on the bad text."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.mesh import controlplane
from meshcert.tools.istioctl import run_istioctl

VS = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "VirtualService",
    "metadata": {"name": "reviews", "namespace": "default"},
    "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews"}}]}]},
}


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = new_cluster()
    seed(c, load_scenario("base"))
    assert run_istioctl(c, ["install", "-y"])[0] == 0
    return c


def _scale(cluster: Cluster, name: str, replicas: int) -> None:
    kind = cluster.kind("apps", "deployments")
    dep = copy.deepcopy(cluster.get(kind, "istio-system", name))
    dep["spec"]["replicas"] = replicas
    cluster.update(kind, dep, "istio-system")


def _set_mesh(cluster: Cluster, text: str) -> None:
    kind = cluster.kind("", "configmaps")
    cm = copy.deepcopy(cluster.get(kind, "istio-system", "istio"))
    cm["data"]["mesh"] = text
    cluster.update(kind, cm, "istio-system")


def test_never_installed_revision_has_no_push(cluster: Cluster) -> None:
    assert controlplane.pushed_version(cluster, "canary") is None
    assert controlplane.pushed_mesh_config(cluster, "canary") is None


def test_healthy_push_follows_the_cluster(cluster: Cluster) -> None:
    cluster.create(cluster.kind("networking.istio.io", "virtualservices"), VS)
    assert controlplane.pushed_version(cluster) == cluster.store.resource_version


def test_scaled_to_zero_freezes_until_back(cluster: Cluster) -> None:
    before = cluster.store.resource_version
    _scale(cluster, "istiod", 0)
    health = controlplane.revision_health(cluster, "default")
    assert health is not None
    assert not health.healthy
    assert health.reason == "istiod has no available replicas"
    assert controlplane.pushed_version(cluster) == before
    cluster.create(cluster.kind("networking.istio.io", "virtualservices"), VS)
    assert controlplane.pushed_version(cluster) == before
    _scale(cluster, "istiod", 1)
    assert controlplane.pushed_version(cluster) == cluster.store.resource_version


def test_bad_mesh_config_keeps_the_last_known_state(cluster: Cluster) -> None:
    """collection.go: `invalid mesh config, using last known state`: the result is discarded,
    istiod keeps running and pushing with the mesh config it had."""
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n")
    good = controlplane.pushed_mesh_config(cluster)
    assert good == "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n"
    _set_mesh(cluster, "accessLogFile: /dev/stdout\noutboundTrafficPolicy:\n  mode: NOT_A_MODE\n")
    health = controlplane.revision_health(cluster, "default")
    assert health is not None
    assert health.healthy
    assert controlplane.pushed_version(cluster) == cluster.store.resource_version
    assert controlplane.pushed_mesh_config(cluster) == good
    cluster.create(cluster.kind("networking.istio.io", "virtualservices"), VS)
    assert controlplane.pushed_version(cluster) == cluster.store.resource_version
    assert controlplane.pushed_mesh_config(cluster) == good
    pod = _istiod_pod(cluster)
    assert pod["status"]["containerStatuses"][0]["ready"] is True
    assert "running" in pod["status"]["containerStatuses"][0]["state"]
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: ALLOW_ANY\n")  # no restart needed
    assert controlplane.pushed_mesh_config(cluster) == "outboundTrafficPolicy:\n  mode: ALLOW_ANY\n"


def _istiod_pod(cluster: Cluster) -> dict[str, Any]:
    return next(
        p
        for p in cluster.list(cluster.kind("", "pods"), "istio-system")
        if p["metadata"]["labels"].get("app") == "istiod"
    )


def _restart(cluster: Cluster, how: str) -> None:
    if how == "rollout":
        kind = cluster.kind("apps", "deployments")
        dep = copy.deepcopy(cluster.get(kind, "istio-system", "istiod"))
        annotations = dep["spec"]["template"]["metadata"].setdefault("annotations", {})
        annotations["kubectl.kubernetes.io/restartedAt"] = "2026-03-01T12:00:00Z"
        cluster.update(kind, dep, "istio-system")
    elif how == "delete-pod":
        pod = _istiod_pod(cluster)
        cluster.delete(cluster.kind("", "pods"), "istio-system", pod["metadata"]["name"])
    else:
        _scale(cluster, "istiod", 0)
        _scale(cluster, "istiod", 1)


@pytest.mark.parametrize("how", ["rollout", "delete-pod", "scale-0-1"])
def test_istiod_started_on_a_bad_mesh_config_runs_on_defaults(cluster: Cluster, how: str) -> None:
    """collection.go: with no last known state the discarded result falls back to
    `mesh.DefaultMeshConfig()`: a new istiod process has none."""
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n")
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: NOT_A_MODE\n")
    assert "REGISTRY_ONLY" in (controlplane.pushed_mesh_config(cluster) or "")
    before = _istiod_pod(cluster)["metadata"]["uid"]
    _restart(cluster, how)
    assert _istiod_pod(cluster)["metadata"]["uid"] != before
    assert controlplane.pushed_mesh_config(cluster) == ""
    health = controlplane.revision_health(cluster, "default")
    assert health is not None
    assert health.healthy
    assert controlplane.pushed_version(cluster) == cluster.store.resource_version


def test_push_listeners_see_freeze_and_resume(cluster: Cluster) -> None:
    seen: list[tuple[str, int]] = []
    controlplane.add_push_listener(cluster, lambda c, rev, version: seen.append((rev, version)))
    before = cluster.store.resource_version
    _scale(cluster, "istiod", 0)
    _scale(cluster, "istiod", 1)
    assert seen[0] == ("default", before)
    assert seen[1][0] == "default"
    assert seen[1][1] > before


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", None),
        ("accessLogFile: /dev/stdout\n", None),
        ("bogusField: 1\n", None),
        (
            "outboundTrafficPolicy:\n  mode: SOMETIMES\n",
            'failed to convert to proto. unknown value "\\"SOMETIMES\\"" for enum '
            "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode",
        ),
        ("outboundTrafficPolicy:\n  mode: 1\n", None),
        (
            "enableAutoMtls: maybe\n",
            "failed to convert to proto. json: cannot unmarshal string into Go value of type bool",
        ),
        ("[1, 2]\n", "cannot unmarshal array into Go value of type map[string]json.RawMessage"),
        ("a: [\n", "failed to convert to proto. error converting YAML to JSON: yaml: "),
    ],
    ids=[
        "empty",
        "valid",
        "unknown-field",
        "bad-enum",
        "enum-number",
        "bad-bool",
        "not-a-map",
        "bad-yaml",
    ],
)
def test_mesh_config_check(text: str, error: str | None) -> None:
    """istio/istio pkg/config/mesh/mesh.go `ApplyMeshConfig`: YAML to JSON, then jsonpb with
    unknown fields allowed (pkg/util/protomarshal `ApplyJSON` retries so), errors prefixed
    `failed to convert to proto.`; github.com/golang/protobuf jsonpb decode.go's enum error."""
    from meshcert.mesh.controlplane.meshconfig_check import mesh_config_error

    found = mesh_config_error(text)
    if error is None:
        assert found is None
    else:
        assert found is not None
        assert error in found


@pytest.mark.parametrize(
    ("pod", "revision"),
    [
        ({"metadata": {"labels": {"istio.io/rev": "canary"}}}, "canary"),
        ({"metadata": {"annotations": {"sidecar.istio.io/status": '{"revision":"1-26"}'}}}, "1-26"),
        ({"metadata": {}}, "default"),
    ],
    ids=["label", "status-annotation", "none"],
)
def test_revision_of_proxy(pod: dict[str, object], revision: str) -> None:
    assert controlplane.revision_of_proxy(pod) == revision


def test_a_restored_lab_on_a_bad_mesh_config_runs_on_defaults(cluster: Cluster) -> None:
    """The journal keeps no earlier text: a lab resumed while the mesh config is bad has no
    last known state, as a restarted istiod has none (pushing.py)."""
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n")
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: NOT_A_MODE\n")
    restored = new_cluster()
    restored.store.load(cluster.store.dump())
    assert controlplane.pushed_mesh_config(restored) == ""
    assert controlplane.pushed_version(restored) == restored.store.resource_version


def test_state_is_rebuilt_for_a_restored_cluster(cluster: Cluster) -> None:
    """A lab restored from its journal has no controller state: a revision unhealthy then is
    taken to have frozen just before the object that broke it was written."""
    _scale(cluster, "istiod", 0)
    frozen = controlplane.pushed_version(cluster)
    restored = new_cluster()
    restored.store.load(cluster.store.dump())
    dep = restored.get(restored.kind("apps", "deployments"), "istio-system", "istiod")
    assert controlplane.pushed_version(restored) == int(dep["metadata"]["resourceVersion"]) - 1
    assert frozen is not None


def test_a_restored_lab_keeps_its_proxies_stale() -> None:
    """docs/mesh.md "The push model": proxies keep the configuration of the last push while
    istiod is down, also after the lab restarts from its journal (`lab up --resume`). The
    shipped broken-stale-proxy scenario applies a fault-injecting VirtualService while
    istiod is scaled to 0: before and after the restore, curl still gets 200, and proxy-config
    shows no VirtualService on httpbin's route; once istiod is back, the fault arrives."""
    original = new_cluster()
    seed(original, load_scenario("broken-stale-proxy"))
    restored = new_cluster()
    restored.store.load(original.store.dump())
    for c in (original, restored):
        curl = next(p["metadata"]["name"] for p in c.list(c.kind("", "pods"), "default")
                    if p["metadata"]["name"].startswith("curl-"))  # fmt: skip
        assert _route_vs(c, curl) == ""  # the VirtualService never reached the proxy
    _scale(restored, "istiod", 1)
    curl = next(p["metadata"]["name"] for p in restored.list(restored.kind("", "pods"), "default")
                if p["metadata"]["name"].startswith("curl-"))  # fmt: skip
    assert _route_vs(restored, curl) == "httpbin.default"


def _route_vs(c: Cluster, pod: str) -> str:
    """The VIRTUAL SERVICE column of the proxy's route to httpbin:8000."""
    code, out, err = run_istioctl(c, ["pc", "route", pod, "--name", "8000"])
    assert code == 0, err
    row = next(
        line for line in out.splitlines() if "httpbin.default.svc.cluster.local:8000" in line
    )
    fields = row.split()
    return fields[-1] if fields[-1] != "/*" else ""
