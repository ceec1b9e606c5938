"""`kubectl logs deploy/istiod -n istio-system` tells how istiod is doing: start-up lines and
a push per config change (issue 3); the warning for a mesh config it rejects is pinned in
test_invalid_mesh_config.py."""

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
