"""istio.io/latest/docs/tasks/security/authorization/authz-deny/ (Istio 1.26), "Explicit Deny",
end to end with the real kubectl: httpbin and curl in namespace `foo`, the page's policies in
authz_deny/ fed on stdin.

The page injects the sidecars with `istioctl kube-inject` on the user's machine; the lab has no
local istioctl, so `foo` is labelled `istio-injection=enabled` before the same samples are
applied: the pods get the same sidecar.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-demo"
CURL = (
    'kubectl exec "$(kubectl get pod -l app=curl -n foo -o jsonpath={.items..metadata.name})"'
    " -c curl -n foo -- curl"
)


def status(page: E2ELab, args: str) -> str:
    return page.sh(f'{CURL} {args} -o /dev/null -w "%{{http_code}}\\n"').stdout


@pytest.fixture(scope="module", autouse=True)
def workloads(lab: E2ELab) -> Iterator[None]:
    """ "Before you begin": httpbin and curl in foo; "Clean up" afterwards."""
    lab.sh("kubectl create ns foo && kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n foo")
    yield
    lab.sh("kubectl delete namespace foo")


def test_curl_talks_to_httpbin(page: E2ELab) -> None:
    assert status(page, "http://httpbin.foo:8000/ip -sS") == "200\n"


def test_explicitly_deny_a_request(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-deny/

    "Explicitly deny a request", every step with the page's outputs.
    """
    page.on_cleanup("kubectl delete authorizationpolicy deny-method-get allow-path-ip -n foo "
                    "--ignore-not-found")  # fmt: skip
    out = page.apply_page_yaml("authz_deny/deny-method-get.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/deny-method-get created\n"
    assert status(page, '"http://httpbin.foo:8000/get" -X GET -sS') == "403\n"
    assert status(page, '"http://httpbin.foo:8000/post" -X POST -sS') == "200\n"

    page.apply_page_yaml("authz_deny/deny-method-get-x-token.yaml")
    assert status(page, '"http://httpbin.foo:8000/get" -X GET -H "x-token: admin" -sS') == "200\n"
    assert status(page, '"http://httpbin.foo:8000/get" -X GET -H "x-token: guest" -sS') == "403\n"

    out = page.apply_page_yaml("authz_deny/allow-path-ip.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/allow-path-ip created\n"
    # "Deny policies takes precedence over the allow policies"
    assert status(page, '"http://httpbin.foo:8000/ip" -X GET -H "x-token: guest" -s') == "403\n"
    assert status(page, '"http://httpbin.foo:8000/ip" -X GET -H "x-token: admin" -s') == "200\n"
    # "denied because they don't match the allow-path-ip policy"
    assert status(page, '"http://httpbin.foo:8000/get" -X GET -H "x-token: admin" -s') == "403\n"


def test_the_denial_the_client_sees(page: E2ELab) -> None:
    """The 403 itself: Envoy's RBAC local reply `RBAC: access denied` (text/plain), relayed
    by the client's sidecar."""
    page.on_cleanup("kubectl delete authorizationpolicy deny-method-get -n foo")
    page.apply_page_yaml("authz_deny/deny-method-get.yaml")
    out = page.sh(f'{CURL} -s -i "http://httpbin.foo:8000/get"')
    assert out.lines[0] == "HTTP/1.1 403 Forbidden"
    assert "content-type: text/plain" in out.lines
    assert "server: envoy" in out.lines
    assert out.lines[-1] == "RBAC: access denied"


def test_a_deny_policy_without_rules_is_rejected(page: E2ELab) -> None:
    """Istio's validation webhook (pkg/config/validation ValidateAuthorizationPolicy): a DENY
    policy needs rules; kubectl prints the webhook's denial."""
    out = page.sh(
        "kubectl apply -f -",
        input="apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n"
        "  name: deny-all\n  namespace: foo\nspec:\n  action: DENY\n",
        check=False,
    )
    assert out.returncode == 1
    assert out.stderr == (
        'Error from server: error when creating "STDIN": admission webhook '
        '"validation.istio.io" denied the request: configuration is invalid: invalid policy '
        "deny-all.foo: DENY action without `rules` is meaningless as it will never be "
        "triggered, add an empty rule `{}` if you want it be triggered for every request\n"
    )
