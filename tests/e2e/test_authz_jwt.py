"""istio.io/latest/docs/tasks/security/authorization/authz-jwt/ (Istio 1.26), "JWT Token", end
to end with the real kubectl: httpbin and curl in `foo`, the page's RequestAuthentication and
AuthorizationPolicies (authz_jwt/, fed on stdin as the page does).

Two stand-ins: "Before you begin" deploys with `istioctl kube-inject`, here the namespace is
labelled for injection instead (the pods come out the same); and the page fetches demo.jwt and
groups-scope.jwt with `curl` on the user's machine, here `curl` in the curl pod fetches them
from the lab's simulated raw.githubusercontent.com (the same files, byte for byte).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

CURL = (
    'kubectl exec "$(kubectl get pod -l app=curl -n foo -o jsonpath={.items..metadata.name})" '
    "-c curl -n foo -- curl"
)
SAMPLES = "https://raw.githubusercontent.com/istio/istio/release-1.26/security/tools/jwt/samples"
TOKEN = f"TOKEN=$({CURL} {SAMPLES}/demo.jwt -s)"
TOKEN_GROUP = f"TOKEN_GROUP=$({CURL} {SAMPLES}/groups-scope.jwt -s)"
DEMO_CLAIMS = (
    '{"exp":4685989700,"foo":"bar","iat":1532389700,"iss":"testing@secure.istio.io",'
    '"sub":"testing@secure.istio.io"}'
)
GROUP_CLAIMS = (
    '{"exp":3537391104,"groups":["group1","group2"],"iat":1537391104,'
    '"iss":"testing@secure.istio.io","scope":["scope1","scope2"],"sub":"testing@secure.istio.io"}'
)


def code(page: E2ELab, script: str) -> str:
    return page.sh(script).stdout.strip()


def headers_code(page: E2ELab, extra: str = "", before: str = "") -> str:
    """The page's `curl .../headers -s -o /dev/null -w "%{http_code}"` (after `before`, the
    command that sets the token variable)."""
    then = f"{before} && " if before else ""
    return code(page, f'{then}{CURL} "http://httpbin.foo:8000/headers" -sS -o /dev/null {extra} '
                      '-w "%{http_code}\\n"')  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def before_you_begin(lab: E2ELab) -> Iterator[None]:
    """istio.io/latest/docs/tasks/security/authorization/authz-jwt/ "Before you begin"."""
    lab.sh("kubectl create ns foo && kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n foo")
    out = lab.sh(f'{CURL} http://httpbin.foo:8000/ip -sS -o /dev/null -w "%{{http_code}}\\n"')
    assert out.stdout == "200\n"
    yield
    lab.sh("kubectl delete namespace foo")  # "Clean up"


def test_allow_requests_with_valid_jwt_and_list_typed_claims(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-jwt/

    "Allow requests with valid JWT and list-typed claims": an invalid token is rejected (401),
    a request without a token passes (200) until require-jwt asks for the demo token's
    principal (then 403); the groups token passes the groups condition that the demo token
    fails (403); the payloads decode as the page shows.
    """
    page.on_cleanup("kubectl delete requestauthentication jwt-example -n foo",
                    "kubectl delete authorizationpolicy require-jwt -n foo")  # fmt: skip
    # 1.
    out = page.apply_page_yaml("authz_jwt/jwt-example.yaml")
    assert out.stdout == "requestauthentication.security.istio.io/jwt-example created\n"
    # 2. "Verify that a request with an invalid JWT is denied"
    assert headers_code(page, '-H "Authorization: Bearer invalidToken"') == "401"
    # 3. "Verify that a request without a JWT is allowed because there is no authorization
    # policy"
    assert headers_code(page) == "200"
    # Allow requests with valid JWT
    out = page.apply_page_yaml("authz_jwt/require-jwt.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/require-jwt created\n"
    # 2. "Get the JWT that sets the iss and sub keys ... Istio generates the attribute
    # requestPrincipal with the value testing@secure.istio.io/testing@secure.istio.io"
    out = page.sh(f"{TOKEN} && echo \"$TOKEN\" | cut -d '.' -f2 - | base64 --decode",
                  check=False)  # fmt: skip
    assert out.stdout.startswith(DEMO_CLAIMS)
    # 3. "Verify that a request with a valid JWT is allowed"
    assert headers_code(page, '-H "Authorization: Bearer $TOKEN"', TOKEN) == "200"
    # 4. "Verify that a request without a JWT is denied"
    assert headers_code(page) == "403"
    # 5. the policy also requires the groups claim to contain group1
    out = page.apply_page_yaml("authz_jwt/require-jwt-groups.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/require-jwt configured\n"
    # 6. "Get the JWT that sets the groups claim to a list of strings: group1 and group2"
    out = page.sh(f"{TOKEN_GROUP} && echo \"$TOKEN_GROUP\" | cut -d '.' -f2 - | "
                  "base64 --decode", check=False)  # fmt: skip
    assert out.stdout.startswith(GROUP_CLAIMS)
    # 7. "Verify that a request with the JWT that includes group1 in the groups claim is allowed"
    token_group = '-H "Authorization: Bearer $TOKEN_GROUP"'
    assert headers_code(page, token_group, TOKEN_GROUP) == "200"
    # 8. "Verify that a request with a JWT, which doesn't have the groups claim is rejected"
    assert headers_code(page, '-H "Authorization: Bearer $TOKEN"', TOKEN) == "403"


def test_the_invalid_token_reply(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-jwt/ step 2 in full: what the
    401 carries (Envoy's jwt_authn local reply: the reason as body, a Bearer challenge)."""
    page.on_cleanup("kubectl delete requestauthentication jwt-example -n foo")
    page.apply_page_yaml("authz_jwt/jwt-example.yaml")
    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -si -H "Authorization: Bearer '
                  'invalidToken"')  # fmt: skip
    head, _, body = out.stdout.partition("\n\n")  # text mode: \r\n read as \n
    assert head.startswith("HTTP/1.1 401 Unauthorized\n")
    assert ('www-authenticate: Bearer realm="http://httpbin.foo:8000/headers", '
            'error="invalid_token"') in head.split("\n")  # fmt: skip
    assert body == "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"
