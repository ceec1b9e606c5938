"""istio.io/latest/docs/tasks/security/authorization/authz-tcp/ (Istio 1.26), "TCP Traffic", end
to end with the real kubectl: tcp-echo (ports 9000 and 9001 in its Service, 9002 only in its
arguments) and curl in namespace `foo`, the page's policies in authz_tcp/ fed on stdin.

The page injects the sidecars with `kubectl apply -f <(istioctl kube-inject -f ...)`, running
istioctl on the user's machine; the lab has no local istioctl, so `foo` is labelled
`istio-injection=enabled` before the same samples are applied: the pods get the same sidecar.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-demo"
CURL = '"$(kubectl get pod -l app=curl -n foo -o jsonpath={.items..metadata.name})"'
ECHO_IP = (
    'TCP_ECHO_IP=$(kubectl get pod "$(kubectl get pod -l app=tcp-echo -n foo -o '
    'jsonpath={.items..metadata.name})" -n foo -o jsonpath="{.status.podIP}") && '
)
RESULT = " | grep \"hello\" && echo 'connection succeeded' || echo 'connection rejected'"
SUCCEEDED = {p: f"hello port {p}\nconnection succeeded\n" for p in (9000, 9001, 9002)}
REJECTED = "connection rejected\n"


def nc(page: E2ELab, port: int) -> str:
    """The page's check for `port` (9002 goes to the pod IP: it is not in the Service)."""
    if port == 9002:
        command = (ECHO_IP + f"kubectl exec {CURL} -c curl -n foo -- sh -c "
                   '"echo \\"port 9002\\" | nc $TCP_ECHO_IP 9002"' + RESULT)  # fmt: skip
    else:
        command = (f"kubectl exec {CURL} -c curl -n foo -- sh -c "
                   f"'echo \"port {port}\" | nc tcp-echo {port}'" + RESULT)  # fmt: skip
    return page.sh(command).stdout


@pytest.fixture(scope="module", autouse=True)
def workloads(lab: E2ELab) -> Iterator[None]:
    """istio.io/latest/docs/tasks/security/authorization/authz-tcp/ "Before you begin"."""
    lab.sh("kubectl create ns foo && kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/tcp-echo/tcp-echo.yaml -n foo")
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n foo")
    yield
    lab.sh("kubectl delete namespace foo")  # "Clean up"


def test_before_you_begin_every_port_answers(page: E2ELab) -> None:
    """ "Verify that curl successfully communicates with tcp-echo on ports 9000 and 9001", and
    on port 9002 through the pod IP."""
    pods = page.sh("kubectl get pods -n foo --no-headers").lines
    assert all(line.split()[1] == "2/2" for line in pods)
    assert [nc(page, p) for p in (9000, 9001, 9002)] == [SUCCEEDED[p] for p in (9000, 9001, 9002)]


def test_configure_allow_authorization_policy_for_a_tcp_workload(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-tcp/

    "Configure ALLOW authorization policy for a TCP workload".
    """
    page.on_cleanup("kubectl delete authorizationpolicy tcp-policy -n foo")
    out = page.apply_page_yaml("authz_tcp/allow-ports.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/tcp-policy created\n"
    assert nc(page, 9000) == SUCCEEDED[9000]
    assert nc(page, 9001) == SUCCEEDED[9001]
    # "the authorization policy ... also applies to the pass through filter chain"
    assert nc(page, 9002) == REJECTED

    # an HTTP-only field (methods) makes the ALLOW rule invalid for TCP: nothing is allowed
    out = page.apply_page_yaml("authz_tcp/allow-methods.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/tcp-policy configured\n"
    assert nc(page, 9000) == REJECTED
    assert nc(page, 9001) == REJECTED


def test_configure_deny_authorization_policy_for_a_tcp_workload(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-tcp/

    "Configure DENY authorization policy for a TCP workload". Istio's validation warns about a
    DENY rule with only HTTP attributes (pkg/config/validation ValidateAuthorizationPolicy);
    kubectl prints the warning on stderr.
    """
    page.on_cleanup("kubectl delete authorizationpolicy tcp-policy -n foo")
    out = page.apply_page_yaml("authz_tcp/deny-methods.yaml")
    assert out.stderr == (
        "Warning: configured AuthorizationPolicy will deny all traffic to TCP ports under its "
        "scope due to the use of only HTTP attributes in a DENY rule; it is recommended to "
        "explicitly specify the port\n"
    )
    assert nc(page, 9000) == REJECTED
    assert nc(page, 9001) == REJECTED

    out = page.apply_page_yaml("authz_tcp/deny-methods-port.yaml")
    assert out.stderr == ""
    assert nc(page, 9000) == REJECTED
    assert nc(page, 9001) == SUCCEEDED[9001]
