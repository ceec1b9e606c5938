"""istiod 1.26 on a mesh config it rejects, as a candidate sees it with the real kubectl.

istio/istio pkg/config/mesh/meshwatcher/collection.go `NewCollection` (istiod's one source,
the mounted ConfigMap file: pilot/pkg/bootstrap/mesh.go): when `mesh.ApplyMeshConfig` fails it
logs `invalid mesh config, using last known state: <err>`, discards the result and keeps the
mesh config it had; with no last known state (a new istiod process) it falls back to
`mesh.DefaultMeshConfig()`. istiod does not exit: it stays Running and Ready and keeps pushing.
Here the mesh config's outbound traffic policy shows which mesh config the proxies got:
REGISTRY_ONLY sends a call to an external host to the BlackHoleCluster (502), the default
ALLOW_ANY lets it out (200).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from running_api import RunningApi

from meshcert.lab.scenarios import load_scenario, seed

pytestmark = pytest.mark.kubectl

REGISTRY_ONLY = "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n"
MISSPELT = "outboundTrafficPolicy:\n  mode: REGISTRY_ONLYY\n"
ERROR = (
    'failed to convert to proto. unknown value "\\"REGISTRY_ONLYY\\"" for enum '
    "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode"
)
WARNING = f"\twarn\tinvalid mesh config, using last known state: {ERROR}"
VS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts: [httpbin]
  http:
  - headers:
      response:
        set:
          x-release: r42
    route:
    - destination:
        host: httpbin
"""


@pytest.fixture
def lab(api: RunningApi) -> RunningApi:
    """httpbin and curl with sidecars, istiod running on a REGISTRY_ONLY mesh config."""
    api.cluster.extensions["mesh.time_scale"] = 0.0
    seed(api.cluster, load_scenario("broken-istiod-mesh-config"))
    set_mesh(api, REGISTRY_ONLY)
    assert status(api, "http://httpbin.org/get") == "502"
    return api


def set_mesh(api: RunningApi, text: str) -> None:
    patch = json.dumps({"data": {"mesh": text}})
    api.ok("patch", "configmap", "istio", "-n", "istio-system", "--type=merge", "-p", patch)


def curl(api: RunningApi, *args: str) -> subprocess.CompletedProcess[str]:
    return api.kubectl("exec", "deploy/curl", "--", "curl", "-s", *args)


def status(api: RunningApi, url: str) -> str:
    return curl(api, "-o", "/dev/null", "-w", "%{http_code}", url).stdout


def istiod(api: RunningApi) -> list[str]:
    """istiod's row of `kubectl get pods -n istio-system` (one pod)."""
    rows = api.ok("get", "pods", "-n", "istio-system", "-l", "app=istiod").splitlines()[1:]
    assert len(rows) == 1
    return rows[0].split()


def warnings(api: RunningApi) -> list[str]:
    logs = api.ok("logs", "deploy/istiod", "-n", "istio-system").splitlines()
    return [line for line in logs if "\twarn\t" in line]


def test_a_running_istiod_keeps_its_last_known_mesh_config(lab: RunningApi) -> None:
    before = warnings(lab)
    set_mesh(lab, MISSPELT)
    assert istiod(lab)[1:4] == ["1/1", "Running", "0"]  # READY, STATUS, RESTARTS
    logs = lab.ok("logs", "deploy/istiod", "-n", "istio-system").splitlines()
    assert logs[-1].endswith(WARNING)
    assert logs[-1].split("\t")[0].endswith("Z")
    assert len(warnings(lab)) == len(before) + 1
    # the last accepted mesh config stays: REGISTRY_ONLY, not the default ALLOW_ANY
    assert status(lab, "http://httpbin.org/get") == "502"
    # and every other change is still pushed
    lab.ok("apply", "-f", "-", input=VS)
    headers = curl(lab, "-D", "-", "-o", "/dev/null", "http://httpbin:8000/get").stdout
    assert "x-release: r42" in headers.splitlines()
    pushed = lab.ok("logs", "deploy/istiod", "-n", "istio-system").splitlines()[-2]
    assert "for config VirtualService/default/httpbin" in pushed
    # the file did not change: no second warning
    lab.ok("label", "configmap", "istio", "-n", "istio-system", "edited=yes")
    assert len(warnings(lab)) == len(before) + 1
    # a correct text is taken at once, no restart
    set_mesh(lab, "outboundTrafficPolicy:\n  mode: ALLOW_ANY\n")
    assert status(lab, "http://httpbin.org/get") == "200"
    assert len(warnings(lab)) == len(before) + 1
    assert istiod(lab)[3] == "0"


@pytest.mark.parametrize(
    "restart",
    [
        ["rollout", "restart", "deployment/istiod", "-n", "istio-system"],
        ["delete", "pods", "-n", "istio-system", "-l", "app=istiod"],
        ["scale", "deployment/istiod", "-n", "istio-system", "--replicas=0"],
    ],
    ids=["rollout-restart", "pod-deleted", "scaled-0-then-1"],
)
def test_an_istiod_started_on_a_bad_mesh_config_runs_on_defaults(
    lab: RunningApi, restart: list[str]
) -> None:
    set_mesh(lab, MISSPELT)
    old = istiod(lab)[0]
    lab.ok(*restart)
    if "--replicas=0" in restart:
        lab.ok("scale", "deployment/istiod", "-n", "istio-system", "--replicas=1")
    row = istiod(lab)
    assert row[0] != old
    assert row[1:4] == ["1/1", "Running", "0"]
    logs = lab.ok("logs", row[0], "-n", "istio-system").splitlines()
    reading = "\tinfo\tinitializing mesh configuration ./etc/istio/config/mesh"
    at = next(i for i, line in enumerate(logs) if line.endswith(reading))
    assert logs[at + 1].endswith(WARNING)
    assert logs[-1].endswith("\tinfo\tDiscovery service started")
    # a new process has no last known state: Istio's defaults, ALLOW_ANY
    assert status(lab, "http://httpbin.org/get") == "200"
    set_mesh(lab, REGISTRY_ONLY)
    assert status(lab, "http://httpbin.org/get") == "502"
