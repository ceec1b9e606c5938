"""The shipped `broken-*` scenarios, each found the way a candidate finds it: the real kubectl
(`get pods`, `logs`, `describe`, `exec ... curl`) and istioctl in the lab's terminal
(`analyze`, `proxy-status`, `proxy-config`, `x describe`).

What the real tools print in these states: istio.io docs/ops/diagnostic-tools/istioctl-analyze
and the analysis message pages (ist0103, ist0118, ist0145, ist0173), docs/ops/diagnostic-tools/
proxy-cmd (proxy-status, proxy-config), docs/ops/diagnostic-tools/istioctl-describe,
docs/tasks/security/authentication/mtls-migration (a plaintext client of a STRICT workload:
`000` and `command terminated with exit code 56`) and istio/istio
istioctl/pkg/proxystatus/proxystatus.go (`unable to find any Istiod instances`).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest
from running_api import RunningApi

from meshcert.lab.scenarios import load_scenario, seed

pytestmark = pytest.mark.kubectl

Start = Callable[[str], RunningApi]


@pytest.fixture
def start(api: RunningApi) -> Start:
    """Seed the served lab from a shipped scenario (time scale 0: no wall time in traffic)."""

    def run(scenario: str) -> RunningApi:
        api.cluster.extensions["mesh.time_scale"] = 0.0
        seed(api.cluster, load_scenario(scenario))
        return api

    return run


def istioctl(api: RunningApi, *args: str) -> subprocess.CompletedProcess[str]:
    """istioctl in the lab's terminal (the toolbox pod), whatever its exit code."""
    return api.kubectl("exec", "-n", "kube-system", "toolbox", "--", "istioctl", *args)


def pod(api: RunningApi, app: str, namespace: str = "default") -> str:
    name = "jsonpath={.items[0].metadata.name}"
    return api.ok("get", "pods", "-n", namespace, "-l", f"app={app}", "-o", name)


def rows(table: str) -> dict[str, list[str]]:
    """A kubectl/istioctl table by the first column, pod name suffixes dropped."""
    found = {}
    for line in table.splitlines()[1:]:
        cells = line.split()
        found[cells[0].split("-")[0].split(".")[0]] = cells
    return found


def curl(api: RunningApi, url: str, namespace: str = "default") -> subprocess.CompletedProcess[str]:
    return api.kubectl(
        "exec", "-n", namespace, "deploy/curl", "--",
        "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url,
    )  # fmt: skip


def test_istiod_on_a_mesh_config_it_rejects(start: Start) -> None:
    """istio/istio pkg/config/mesh/meshwatcher/collection.go: istiod 1.26 logs the error,
    keeps its last known mesh config (the install's, ALLOW_ANY) and keeps pushing."""
    api = start("broken-istiod-mesh-config")
    istiod = rows(api.ok("get", "pods", "-n", "istio-system"))["istiod"]
    assert istiod[1:4] == ["1/1", "Running", "0"]
    logs = api.ok("logs", "deploy/istiod", "-n", "istio-system")
    error = (
        'failed to convert to proto. unknown value "\\"REGISTRY_ONLYY\\"" for enum '
        "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode"
    )
    warning = f"\twarn\tinvalid mesh config, using last known state: {error}"
    assert [line for line in logs.splitlines() if "\twarn\t" in line][-1].endswith(warning)
    # the proxies are in sync with istiod
    status = istioctl(api, "proxy-status")
    assert status.returncode == 0, status.stderr
    table = rows(status.stdout)
    assert table["httpbin"][2::2][:4] == ["SYNCED"] * 4
    assert table["curl"][2::2][:4] == ["SYNCED"] * 4
    # but the operator's REGISTRY_ONLY never took effect
    assert curl(api, "http://httpbin.org/get").stdout == "200"
    assert curl(api, "http://httpbin:8000/status/200").stdout == "200"
    fixed = api.ok("get", "configmap", "istio", "-n", "istio-system", "-o", "jsonpath={.data.mesh}")
    patch = json.dumps({"data": {"mesh": fixed.replace("REGISTRY_ONLYY", "REGISTRY_ONLY")}})
    api.ok("patch", "configmap", "istio", "-n", "istio-system", "--type=merge", "-p", patch)
    assert curl(api, "http://httpbin.org/get").stdout == "502"


def test_injection_label_for_a_missing_revision(start: Start) -> None:
    api = start("broken-injection-revision")
    pods = rows(api.ok("get", "pods"))
    assert pods["httpbin"][1:3] == ["1/1", "Running"]
    assert pods["curl"][1:3] == ["1/1", "Running"]
    labels = api.ok("get", "namespace", "default", "-o", "jsonpath={.metadata.labels}")
    assert json.loads(labels)["istio.io/rev"] == "canary"
    webhooks = api.ok("get", "mutatingwebhookconfigurations", "-o", "name").split()
    assert not any(name.endswith("-canary") for name in webhooks)
    assert rows(api.ok("get", "pods", "-n", "istio-system", "-l", "app=istiod")).keys() == {
        "istiod"
    }
    name = pod(api, "httpbin")
    analyzed = istioctl(api, "analyze", "-A")
    assert analyzed.returncode == 0
    assert (
        f"Warning [IST0103] (Pod default/{name}) The pod default/{name} is missing the Istio "
        "proxy. This can often be resolved by restarting or redeploying the workload."
    ) in analyzed.stdout.splitlines()
    described = istioctl(api, "x", "describe", "pod", name)
    assert f"WARNING: {name} is not part of mesh; no Istio sidecar" in described.stdout
    proxies = [line.split()[0] for line in istioctl(api, "proxy-status").stdout.splitlines()[1:]]
    assert len(proxies) == 2  # the gateways only: no proxy in the default namespace
    assert all(proxy.endswith(".istio-system") for proxy in proxies)


def test_service_port_named_without_protocol(start: Start) -> None:
    api = start("broken-port-name")
    analyzed = istioctl(api, "analyze", "-A")
    assert analyzed.returncode == 0  # an Info message: below the failure threshold
    assert analyzed.stdout.splitlines()[0] == (
        "Info [IST0118] (Service default/httpbin) Port name web (port: 8000, targetPort: 8080) "
        "doesn't follow the naming convention of Istio port."
    )
    described = istioctl(api, "x", "describe", "pod", pod(api, "httpbin")).stdout.splitlines()
    assert "   Port: web 8000/UnsupportedProtocol targets pod port 8080" in described
    ports = api.ok("get", "svc", "httpbin", "-o", "jsonpath={.spec.ports[0].name}")
    assert ports == "web"


def test_destination_rule_subset_selecting_no_pods(start: Start) -> None:
    api = start("broken-subset-no-pods")
    analyzed = istioctl(api, "analyze", "-A")
    assert analyzed.returncode == 79
    assert analyzed.stdout.splitlines()[0] == (
        "Error [IST0173] (DestinationRule default/httpbin) The Subset v2 defined in the "
        "DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream)."
    )
    described = istioctl(api, "x", "describe", "pod", pod(api, "httpbin")).stdout
    assert "      (Non-matching subsets v2)" in described.splitlines()
    assert "      Route to non-matching subset v2 for (everything)" in described.splitlines()
    assert curl(api, "http://httpbin:8000/status/200").stdout == "503"
    body = api.ok("exec", "deploy/curl", "--", "curl", "-s", "http://httpbin:8000/status/200")
    assert body == "no healthy upstream"
    endpoints = istioctl(
        api, "pc", "endpoint", pod(api, "curl"),
        "--cluster", "outbound|8000|v2|httpbin.default.svc.cluster.local",
    )  # fmt: skip
    assert endpoints.stdout.splitlines()[1:] == []
    version = api.ok("get", "pods", "-l", "app=httpbin", "-o", "jsonpath={..labels.version}")
    assert version == "v1"


def test_conflicting_gateways(start: Start) -> None:
    api = start("broken-conflicting-gateways")
    analyzed = istioctl(api, "analyze", "-A")
    assert analyzed.returncode == 79
    assert analyzed.stdout.splitlines()[:2] == [
        "Error [IST0145] (Gateway default/httpbin-gateway) Conflict with gateways "
        "default/httpbin-gateway-copy (workload selector istio=ingressgateway, port 8080, hosts "
        "httpbin.example.com).",
        "Error [IST0145] (Gateway default/httpbin-gateway-copy) Conflict with gateways "
        "default/httpbin-gateway (workload selector istio=ingressgateway, port 8080, hosts "
        "httpbin.example.com).",
    ]
    assert "Error: Analyzers found issues when analyzing all namespaces." in analyzed.stderr
    gateways = api.ok("get", "gateways.networking.istio.io", "-o", "name").split()
    assert len(gateways) == 2


def test_strict_mtls_breaks_a_plaintext_client(start: Start) -> None:
    api = start("broken-strict-plaintext")
    legacy = rows(api.ok("get", "pods", "-n", "legacy"))
    assert legacy["curl"][1:3] == ["1/1", "Running"]  # no sidecar
    plaintext = curl(api, "http://httpbin.default:8000/ip", "legacy")
    assert (plaintext.returncode, plaintext.stdout) == (56, "000")
    assert "command terminated with exit code 56" in plaintext.stderr
    assert curl(api, "http://httpbin.default:8000/ip").stdout == "200"  # the sidecar does mTLS
    described = istioctl(api, "x", "describe", "pod", pod(api, "httpbin")).stdout.splitlines()
    at = described.index("Effective PeerAuthentication:")
    assert described[at + 1 : at + 4] == [
        "   Workload mTLS mode: STRICT",
        "Applied PeerAuthentication:",
        "   default.istio-system",
    ]
    analyzed = istioctl(api, "analyze", "-A").stdout
    assert "Info [IST0102] (Namespace legacy) The namespace is not enabled for Istio" in analyzed


def route_8000(api: RunningApi) -> list[str]:
    """The curl proxy's route row for httpbin's port (`proxy-config route --name 8000`)."""
    listing = istioctl(api, "pc", "route", pod(api, "curl"), "--name", "8000")
    return listing.stdout.splitlines()[1].split()


def test_stale_proxy_after_a_change_while_istiod_was_down(start: Start) -> None:
    api = start("broken-stale-proxy")
    istiod = rows(api.ok("get", "deploy", "-n", "istio-system"))["istiod"]
    assert istiod[1:4] == ["0/0", "0", "0"]
    assert "istiod" not in rows(api.ok("get", "pods", "-n", "istio-system"))
    status = istioctl(api, "proxy-status")
    assert (status.returncode, status.stderr.splitlines()[0]) == (
        1,
        "Error: unable to find any Istiod instances",
    )
    # the VirtualService is there, but no proxy got it: no fault in the route, curl gets 200
    assert api.ok("get", "virtualservice", "httpbin", "-o", "name") == (
        "virtualservice.networking.istio.io/httpbin\n"
    )
    row = ["8000", "httpbin.default.svc.cluster.local:8000", "httpbin,", "httpbin.default", "+",
           "1", "more...", "/*"]  # fmt: skip
    assert route_8000(api) == row  # no VirtualService in the VIRTUAL SERVICE column
    assert curl(api, "http://httpbin:8000/status/200").stdout == "200"
    # describe reads the VirtualService's name from the proxy's routes: none yet
    httpbin = pod(api, "httpbin")
    assert "VirtualService" not in istioctl(api, "x", "describe", "pod", httpbin).stdout
    # istiod back: the proxies get the change
    api.ok("scale", "deploy/istiod", "-n", "istio-system", "--replicas=1")
    assert route_8000(api)[-1] == "httpbin.default"  # the VIRTUAL SERVICE column
    described = istioctl(api, "x", "describe", "pod", httpbin).stdout.splitlines()
    assert "VirtualService: httpbin" in described
    assert curl(api, "http://httpbin:8000/status/200").stdout == "500"
    table = rows(istioctl(api, "proxy-status").stdout)
    assert table["curl"][2] == "SYNCED"
