"""The push model of docs/mesh.md: a revision's pushed version follows the cluster while its
istiod is healthy and stays at the last good version while it is not (scaled to 0, or
crash-looping on a bad mesh config)."""

from __future__ import annotations

import copy
from collections.abc import Iterator

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


def test_bad_mesh_config_crash_loops_istiod_and_keeps_last_config(cluster: Cluster) -> None:
    good = controlplane.pushed_mesh_config(cluster)
    assert good is not None
    assert "rootNamespace: istio-system" in good
    before = cluster.store.resource_version
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: NOT_A_MODE\n")
    assert controlplane.pushed_version(cluster) == before
    assert controlplane.pushed_mesh_config(cluster) == good
    pod = next(
        p
        for p in cluster.list(cluster.kind("", "pods"), "istio-system")
        if p["metadata"]["labels"].get("app") == "istiod"
    )
    waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "CrashLoopBackOff"
    _set_mesh(cluster, "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n")
    assert controlplane.pushed_version(cluster) == cluster.store.resource_version
    assert "REGISTRY_ONLY" in (controlplane.pushed_mesh_config(cluster) or "")


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
        ("bogusField: 1\n", 'unknown field "bogusField" in istio.mesh.v1alpha1.MeshConfig'),
        ("outboundTrafficPolicy:\n  mode: SOMETIMES\n", 'invalid value for enum type: "SOMETIMES"'),
        ("enableAutoMtls: maybe\n", "bad value for field enableAutoMtls"),
        ("[1, 2]\n", "cannot unmarshal list"),
        ("a: [\n", "error converting YAML to JSON"),
    ],
    ids=["empty", "valid", "unknown-field", "bad-enum", "bad-bool", "not-a-map", "bad-yaml"],
)
def test_mesh_config_check(text: str, error: str | None) -> None:
    """istio/api mesh/v1alpha1/config.proto: istiod reads the mesh config strictly."""
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
