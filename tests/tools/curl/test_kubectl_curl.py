"""curl through the real kubectl: `kubectl exec POD -c curl -- curl ...` against a served lab."""

from __future__ import annotations

import pytest
from running_api import RunningApi

pytestmark = pytest.mark.kubectl


def curl_pod(api: RunningApi) -> str:
    return api.ok("get", "pod", "-l", "app=curl", "-o", "jsonpath={.items[0].metadata.name}")


def test_exec_curl_headers(mesh_api: RunningApi) -> None:
    # istio.io docs/tasks/security/authentication/mtls-migration style call:
    # kubectl exec "$(kubectl get pod -l app=curl -o jsonpath={.items..metadata.name})" -c curl
    #   -- curl -s http://httpbin:8000/headers
    pod = curl_pod(mesh_api)
    out = mesh_api.ok("exec", pod, "-c", "curl", "--", "curl", "-s", "http://httpbin:8000/headers")
    assert '"Host": "httpbin:8000"' in out
    assert '"X-Envoy-Attempt-Count": "1"' in out


def test_exec_curl_exit_code(mesh_api: RunningApi) -> None:
    pod = curl_pod(mesh_api)
    proc = mesh_api.kubectl("exec", pod, "-c", "curl", "--", "curl", "-sS", "http://nope.invalid/")
    assert proc.returncode == 6
    assert "curl: (6) Could not resolve host: nope.invalid" in proc.stderr
    assert "command terminated with exit code 6" in proc.stderr


def test_exec_curl_in_shell_loop(mesh_api: RunningApi) -> None:
    # traffic-shifting style loop: for i in $(seq 1 5); do curl ...; done
    pod = curl_pod(mesh_api)
    out = mesh_api.ok("exec", pod, "-c", "curl", "--", "sh", "-c",
                      'for i in $(seq 1 5); do curl -s -o /dev/null -w "%{http_code}\\n" '
                      "http://httpbin:8000/status/200; done")  # fmt: skip
    assert out == "200\n" * 5


def test_apply_fault_then_curl(mesh_api: RunningApi) -> None:
    # virtual_service.proto HTTPFaultInjection.Abort at 100%: every call gets Envoy's
    # `fault filter abort` with the configured status
    mesh_api.ok(
        "apply",
        "-f",
        "-",
        input="""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: httpbin}}]
""",
    )
    pod = curl_pod(mesh_api)
    out = mesh_api.ok("exec", pod, "-c", "curl", "--", "curl", "-s", "-w", " %{http_code}",
                      "http://httpbin:8000/get")  # fmt: skip
    assert out == "fault filter abort 418"
    logs = mesh_api.kubectl("logs", pod, "-c", "istio-proxy")
    assert logs.returncode == 0
