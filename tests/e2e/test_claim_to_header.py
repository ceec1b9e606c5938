"""istio.io/latest/docs/tasks/security/authentication/claim-to-header/ (Istio 1.26), "Copy JWT
Claims to HTTP Headers", end to end with the real kubectl: httpbin and curl in an injected
`foo`, the page's RequestAuthentication with `outputClaimToHeaders` (claim_to_header/, fed on
stdin). The page fetches demo.jwt with `curl` on the user's machine; here `curl` in the curl pod
fetches it from the lab's simulated raw.githubusercontent.com.
"""

from __future__ import annotations

import json
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


@pytest.fixture(scope="module", autouse=True)
def before_you_begin(lab: E2ELab) -> Iterator[None]:
    """claim-to-header "Before you begin" (the page labels `foo` for injection)."""
    lab.sh("kubectl create ns foo")
    lab.sh("kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n foo")
    out = lab.sh(f'{CURL} http://httpbin.foo:8000/ip -sS -o /dev/null -w "%{{http_code}}\\n"')
    assert out.stdout == "200\n"
    yield
    lab.sh("kubectl delete namespace foo")  # "Clean up"


def test_allow_requests_with_valid_jwt_and_list_typed_claims(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authentication/claim-to-header/

    "Allow requests with valid JWT and list-typed claims": an invalid token gets 401, the demo
    token 200, and httpbin sees its `foo` claim in X-Jwt-Claim-Foo (`"bar"`)."""
    page.on_cleanup("kubectl delete requestauthentication jwt-example -n foo")
    # 1.
    out = page.apply_page_yaml("claim_to_header/jwt-example.yaml")
    assert out.stdout == "requestauthentication.security.istio.io/jwt-example created\n"
    # 2. "Verify that a request with an invalid JWT is denied"
    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -sS -o /dev/null '
                  '-H "Authorization: Bearer invalidToken" -w "%{http_code}\\n"')  # fmt: skip
    assert out.stdout == "401\n"
    # 3. "Get the JWT that is issued by testing@secure.istio.io"
    out = page.sh(f"{TOKEN} && echo \"$TOKEN\" | cut -d '.' -f2 - | base64 --decode -",
                  check=False)  # fmt: skip
    assert out.stdout.startswith('{"exp":4685989700,"foo":"bar","iat":1532389700,')
    # 4. "Verify that a request with a valid JWT is allowed"
    out = page.sh(f'{TOKEN} && {CURL} "http://httpbin.foo:8000/headers" -sS -o /dev/null '
                  '-H "Authorization: Bearer $TOKEN" -w "%{http_code}\\n"')  # fmt: skip
    assert out.stdout == "200\n"
    # 5. "Verify that a request contains a valid HTTP header with JWT claim value"
    # (the page pipes into `jq '.headers["X-Jwt-Claim-Foo"][0]'`, which prints "bar")
    out = page.sh(f'{TOKEN} && {CURL} "http://httpbin.foo:8000/headers" -sS '
                  '-H "Authorization: Bearer $TOKEN"')  # fmt: skip
    assert json.loads(out.stdout)["headers"]["X-Jwt-Claim-Foo"][0] == "bar"
