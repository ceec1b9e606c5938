"""`istioctl proxy-status` on the shipped scenarios and through the push model (istioctl 1.26's
layout: istio/istio istioctl/pkg/writer/pilot/status.go; istio.io 1.24-1.26 pages)."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import crash_loop, set_container_state
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import run_istioctl

START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def _lab(scenario: str) -> tuple[Cluster, FakeClock]:
    cluster = new_cluster()
    clock = FakeClock(START)
    cluster.clock = clock
    cluster.logs._clock = clock  # istiod's push log lines on the same clock
    seed(cluster, load_scenario(scenario))
    return cluster, clock


def _normalize(text: str) -> str:
    """Pod names end in random suffixes: keep the width, hide the letters."""
    text = re.sub(r"-[a-z0-9]{10}-[a-z0-9]{5}\b", "-hhhhhhhhhh-xxxxx", text)
    return text


TESTDATA = Path(__file__).parent / "proxy_status_testdata"


def test_bookinfo_table() -> None:
    cluster, clock = _lab("bookinfo")
    clock.advance(125)
    code, out, err = run_istioctl(cluster, ["proxy-status"])
    assert (code, err) == (0, "")
    assert _normalize(out) == (TESTDATA / "bookinfo.txt").read_text()


def test_alias_and_namespace_filter() -> None:
    cluster, _ = _lab("bookinfo-httpbin-curl")
    code, out, _ = run_istioctl(cluster, ["ps", "-n", "istio-system"])
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()[1:]]
    assert [re.sub(r"-\w+-\w+\.", ".", n) for n in names] == [
        "istio-egressgateway.istio-system",
        "istio-ingressgateway.istio-system",
    ]
    code, out, _ = run_istioctl(cluster, ["ps"])
    assert any(line.startswith("curl-") for line in out.splitlines())
    assert any(line.startswith("httpbin-") for line in out.splitlines())


def _pod(cluster: Cluster, prefix: str) -> str:
    for pod in cluster.list(cluster.kind("", "pods"), "default"):
        if pod["metadata"]["name"].startswith(prefix):
            return str(pod["metadata"]["name"])
    raise AssertionError(prefix)


def test_single_proxy_comparison() -> None:
    cluster, _ = _lab("bookinfo")
    name = _pod(cluster, "details-v1")
    code, out, err = run_istioctl(cluster, ["proxy-status", f"{name}.default"])
    assert (code, err) == (0, "")
    assert out == (
        "Clusters Match\nListeners Match\n"
        "Routes Match (RDS last loaded at Sun, 01 Mar 2026 12:00:00 UTC)\n"
    )
    code, out2, _ = run_istioctl(cluster, ["ps", name, "-n", "default"])
    assert (code, out2) == (0, out)
    code, _, err = run_istioctl(cluster, ["ps", "nope.default"])
    assert (code, err) == (1, 'Error: pods "nope" not found\n')


def _scale(cluster: Cluster, replicas: int) -> None:
    kind = cluster.kind("apps", "deployments")
    dep = copy.deepcopy(cluster.get(kind, "istio-system", "istiod"))
    dep["spec"]["replicas"] = replicas
    cluster.update(kind, dep, "istio-system")


def test_no_istiod_is_an_error() -> None:
    cluster, _ = _lab("bookinfo")
    _scale(cluster, 0)
    code, out, err = run_istioctl(cluster, ["proxy-status"])
    assert (code, out, err) == (1, "", "Error: unable to find any Istiod instances\n")


def _istiod_pod(cluster: Cluster, revision: str = "istiod") -> str:
    for pod in cluster.list(cluster.kind("", "pods"), "istio-system"):
        if pod["metadata"]["name"].startswith(f"{revision}-"):
            return str(pod["metadata"]["name"])
    raise AssertionError(revision)


def test_crash_looping_istiod_leaves_proxies_stale() -> None:
    """istiod's container crash-looping (here imposed, as an OOM kill would): its pod is listed
    but not available, so its proxies keep the last push."""
    cluster, _ = _lab("bookinfo")
    istiod = _istiod_pod(cluster)
    set_container_state(cluster, "istio-system", istiod, "discovery", crash_loop())
    code, out, _ = run_istioctl(cluster, ["proxy-status"])
    assert code == 0
    rows = [line.split() for line in out.splitlines()[1:]]
    assert len(rows) == 8
    details = next(r for r in rows if r[0].startswith("details-v1"))
    assert details[1:7] == ["Kubernetes", "STALE", "STALE", "STALE", "STALE", "IGNORED"]
    code, out, _ = run_istioctl(cluster, ["ps", _pod(cluster, "details-v1") + ".default"])
    assert out.startswith("Clusters Don't Match\nListeners Don't Match\nRoutes Don't Match\n")
    # back: the revision pushes again
    set_container_state(cluster, "istio-system", istiod, "discovery", None)
    code, out, _ = run_istioctl(cluster, ["proxy-status"])
    assert "STALE" not in out


def test_bad_mesh_config_leaves_proxies_synced() -> None:
    """istio/istio pkg/config/mesh/meshwatcher/collection.go: istiod keeps its last known mesh
    config and keeps pushing, so its proxies stay SYNCED."""
    cluster, _ = _lab("bookinfo")
    kind = cluster.kind("", "configmaps")
    cm = copy.deepcopy(cluster.get(kind, "istio-system", "istio"))
    cm["data"]["mesh"] = "outboundTrafficPolicy:\n  mode: NOT_A_MODE\n"
    cluster.update(kind, cm, "istio-system")
    code, out, _ = run_istioctl(cluster, ["proxy-status"])
    assert code == 0
    rows = [line.split() for line in out.splitlines()[1:]]
    assert len(rows) == 8
    assert all(row[2::2][:4] == ["SYNCED"] * 4 for row in rows if row[0].endswith(".default"))
    code, out, _ = run_istioctl(cluster, ["ps", _pod(cluster, "details-v1") + ".default"])
    assert out.startswith("Clusters Match\nListeners Match\nRoutes Match")


@pytest.mark.parametrize("argv", [["ps", "-o", "json"], ["ps", "-f", "dump.json"]])
def test_unsupported_options_say_so(argv: list[str]) -> None:
    cluster, _ = _lab("bookinfo")
    code, _, err = run_istioctl(cluster, argv)
    assert code == 1
    assert "not supported in the lab" in err


def test_pod_prefix_and_other_types() -> None:
    cluster, _ = _lab("bookinfo")
    name = _pod(cluster, "ratings-v1")
    code, out, _ = run_istioctl(cluster, ["ps", f"pod/{name}.default"])
    assert code == 0
    assert out.startswith("Clusters Match\n")
    code, _, err = run_istioctl(cluster, ["ps", "deployment/ratings-v1"])
    assert code == 1
    assert "not supported in the lab" in err


def test_crash_looping_canary_next_to_a_healthy_default() -> None:
    cluster, _ = _lab("bookinfo")
    install = ["install", "--set", "revision=canary", "--set", "profile=minimal", "-y"]
    assert run_istioctl(cluster, install)[0] == 0
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "test-ns", "labels": {"istio.io/rev": "canary"}},
    }
    cluster.create(cluster.kind("", "namespaces"), namespace)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "curl", "namespace": "test-ns"},
        "spec": {"containers": [{"name": "curl", "image": "curlimages/curl"}]},
    }
    cluster.create(cluster.kind("", "pods"), pod)
    canary = _istiod_pod(cluster, "istiod-canary")
    set_container_state(cluster, "istio-system", canary, "discovery", crash_loop())
    code, out, _ = run_istioctl(cluster, ["ps"])
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["curl.test-ns"][2:6] == ["STALE"] * 4
    assert rows["curl.test-ns"][7].startswith("istiod-canary-")
    details = next(r for name, r in rows.items() if name.startswith("details-v1"))
    assert details[2] == "SYNCED"
    code, out, _ = run_istioctl(cluster, ["ps", "-r", "canary"])
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["curl.test-ns"]
