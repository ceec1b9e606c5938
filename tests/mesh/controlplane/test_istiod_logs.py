"""`kubectl logs deploy/istiod -n istio-system` tells how istiod is doing: start-up lines,
a push per config change, and the error it exits with on a bad mesh config (issue 3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from running_api import RunningApi

pytestmark = pytest.mark.kubectl

Istioctl = Callable[..., str]
VS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
"""


def test_startup_and_push_lines(api: RunningApi, istioctl: Istioctl) -> None:
    istioctl("install", "-y")
    api.ok("apply", "-f", "-", input=VS)
    logs = api.ok("logs", "deploy/istiod", "-n", "istio-system")
    lines = logs.splitlines()
    assert lines[0].split("\t")[1:] == ["info", 'FLAG: --caCertFile=""']
    assert any(line.endswith("\tinfo\tDiscovery service started") for line in lines)
    push = [line for line in lines if "for config VirtualService/default/reviews" in line]
    assert push
    assert push[0].split("\t")[1:3] == ["info", "ads"]


def test_bad_mesh_config_crash_loops_with_reason(api: RunningApi, istioctl: Istioctl) -> None:
    istioctl("install", "-y")
    patch = '{"data":{"mesh":"outboundTrafficPolicy:\\n  mode: SOMETIMES\\n"}}'
    api.ok("patch", "configmap", "istio", "-n", "istio-system", "--type=merge", "-p", patch)
    pods = api.ok("get", "pods", "-n", "istio-system", "-l", "app=istiod").splitlines()[1:]
    assert pods[0].split()[1:3] == ["0/1", "CrashLoopBackOff"]
    logs = api.ok("logs", "deploy/istiod", "-n", "istio-system")
    assert "failed to read mesh configuration: invalid value for enum type" in logs
    assert logs.splitlines()[-1].startswith("Error: failed to create discovery service:")
    fixed = '{"data":{"mesh":"outboundTrafficPolicy:\\n  mode: REGISTRY_ONLY\\n"}}'
    api.ok("patch", "configmap", "istio", "-n", "istio-system", "--type=merge", "-p", fixed)
    pods = api.ok("get", "pods", "-n", "istio-system", "-l", "app=istiod").splitlines()[1:]
    assert pods[0].split()[1:3] == ["1/1", "Running"]
    logs = api.ok("logs", "deploy/istiod", "-n", "istio-system")
    assert logs.splitlines()[-1].endswith("\tinfo\tDiscovery service started")
