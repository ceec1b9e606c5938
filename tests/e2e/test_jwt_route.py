"""istio.io/latest/docs/tasks/security/authentication/jwt-route/ (Istio 1.26), "JWT claim based
routing", end to end with the real kubectl: httpbin in `foo` behind the ingress gateway, the
page's Gateway, RequestAuthentication and VirtualService (jwt_route/, fed on stdin).

Stand-ins as in test_end_user_authentication: `curl` on the user's machine is the curl sample
in the uninjected `outside` namespace reaching the gateway's node port; the page's
`gen-jwt.py key.pem` is `meshcert jwt mint`; groups-scope.jwt comes from the lab's simulated
raw.githubusercontent.com; `istioctl kube-inject` is namespace injection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

INGRESS = (
    "export INGRESS_NAME=istio-ingressgateway && export INGRESS_NS=istio-system && "
    'export INGRESS_PORT=$(kubectl -n "${INGRESS_NS}" get service "${INGRESS_NAME}" '
    "-o jsonpath='{.spec.ports[?(@.name==\"http2\")].nodePort}') && "
    'export INGRESS_HOST=$(kubectl get po -l istio=ingressgateway -n "${INGRESS_NS}" '
    "-o jsonpath='{.items[0].status.hostIP}') && "
)
OUTSIDE = "kubectl exec -n outside deploy/curl -c curl -- "
SAMPLES = "https://raw.githubusercontent.com/istio/istio/release-1.26/security/tools/jwt/samples"


def status_line(page: E2ELab, args: str = "", before: str = "") -> str:
    """The first line of `curl -s -I "http://$INGRESS_HOST:$INGRESS_PORT/headers" [args]`."""
    then = f"{before} && " if before else ""
    out = page.sh(f'{INGRESS}{then}{OUTSIDE}curl -s -I "http://$INGRESS_HOST:$INGRESS_PORT'
                  f'/headers" {args}')  # fmt: skip
    return out.stdout.splitlines()[0].strip()


@pytest.fixture(scope="module", autouse=True)
def before_you_begin(lab: E2ELab) -> Iterator[None]:
    """jwt-route "Before you begin": httpbin in `foo`, exposed by httpbin-gateway."""
    lab.sh("kubectl create ns foo && kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl create namespace outside && kubectl apply -n outside -f samples/curl/curl.yaml")
    out = lab.apply_page_yaml("jwt_route/gateway.yaml")
    assert out.stdout == "gateway.networking.istio.io/httpbin-gateway created\n"
    yield
    lab.sh("kubectl delete namespace outside")
    lab.sh("kubectl delete namespace foo")  # "Cleanup"


def test_ingress_routing_based_on_jwt_claims(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authentication/jwt-route/

    "Configuring ingress routing based on JWT claims" and "Validating ingress routing based on
    JWT claims": no token 404 (no route matches), an invalid token 401, the token whose groups
    claim holds group1 200, a token without the claim 404."""
    page.on_cleanup("kubectl delete requestauthentication ingress-jwt -n istio-system")
    out = page.apply_page_yaml("jwt_route/ingress-jwt.yaml")
    assert out.stdout == "requestauthentication.security.istio.io/ingress-jwt created\n"
    out = page.apply_page_yaml("jwt_route/virtual-service.yaml")
    assert out.stdout == "virtualservice.networking.istio.io/httpbin created\n"

    # 1. "Validate the ingress gateway returns the HTTP code 404 without JWT"
    assert status_line(page) == "HTTP/1.1 404 Not Found"
    # 2. "... returns the HTTP code 401 with invalid JWT"
    invalid = '-H "Authorization: Bearer some.invalid.token"'
    assert status_line(page, invalid) == "HTTP/1.1 401 Unauthorized"
    # 3. "... routes the request with valid JWT token that includes the claim groups: group1"
    token_group = f"TOKEN_GROUP=$({OUTSIDE}curl {SAMPLES}/groups-scope.jwt -s)"
    out = page.sh(f"{token_group} && echo \"$TOKEN_GROUP\" | cut -d '.' -f2 - | "
                  "base64 --decode -", check=False)  # fmt: skip
    assert out.stdout.startswith(
        '{"exp":3537391104,"groups":["group1","group2"],"iat":1537391104,'
        '"iss":"testing@secure.istio.io","scope":["scope1","scope2"],'
        '"sub":"testing@secure.istio.io"}'
    )
    with_group = '-H "Authorization: Bearer $TOKEN_GROUP"'
    assert status_line(page, with_group, token_group) == "HTTP/1.1 200 OK"
    # 4. "... returns the HTTP code 404 with valid JWT but does not include the claim groups"
    token_no_group = "TOKEN_NO_GROUP=$(meshcert jwt mint)"
    out = page.sh(f"{token_no_group} && echo \"$TOKEN_NO_GROUP\" | cut -d '.' -f2 - | "
                  "base64 --decode -", check=False)  # fmt: skip
    assert '"iss":"testing@secure.istio.io","sub":"testing@secure.istio.io"}' in out.stdout
    assert "groups" not in out.stdout
    no_group = '-H "Authorization: Bearer $TOKEN_NO_GROUP"'
    assert status_line(page, no_group, token_no_group) == "HTTP/1.1 404 Not Found"
