"""istio.io/latest/docs/tasks/security/authentication/authn-policy/ (Istio 1.26), "End-user
authentication", end to end with the real kubectl: httpbin in `foo` behind the ingress gateway
(samples/httpbin/httpbin-gateway.yaml), the page's RequestAuthentication and
AuthorizationPolicies on the gateway (end_user_authentication/, fed on stdin).

Stand-ins, as in test_ingress_control: the page runs `curl` on the user's machine; here it is
the curl sample in a namespace without injection (`outside`), reaching the gateway at a node's
address and the gateway Service's node port. The page's `gen-jwt.py key.pem --expire 5` is
`meshcert jwt mint --expire 5` (same claims, Istio's sample key), run on the host as the page
runs gen-jwt.py; demo.jwt comes from the lab's simulated raw.githubusercontent.com. The page
sleeps 10 s between requests: here the lab's clock is moved on 10 s instead (`lab_time`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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


class _LaterClock:
    """The lab's clock: the wall clock plus an offset, or, once frozen, a fixed instant plus
    the offset (so the page's timing does not depend on how long each kubectl exec takes)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.frozen: datetime | None = None

    def freeze(self) -> None:
        self.frozen = datetime.now(UTC)

    def now(self) -> datetime:
        return (self.frozen or datetime.now(UTC)) + timedelta(seconds=self.offset)


@pytest.fixture
def lab_time(page: E2ELab) -> Iterator[_LaterClock]:
    """Let the test move the lab's clock (API timestamps, log lines, what the proxies see as
    now) forward; the wall clock comes back afterwards."""
    cluster = page.cluster
    clock = _LaterClock()
    # the lab has no time setter: the cluster's clock and its log book's are swapped
    saved = cluster.clock, cluster.logs._clock
    cluster.clock = clock
    cluster.logs._clock = clock
    try:
        yield clock
    finally:
        cluster.clock, cluster.logs._clock = saved


def status(page: E2ELab, args: str = "", path: str = "/headers", before: str = "") -> str:
    """`curl [args] "$INGRESS_HOST:$INGRESS_PORT<path>" -s -o /dev/null -w "%{http_code}\\n"`."""
    then = f"{before} && " if before else ""
    out = page.sh(f'{INGRESS}{then}{OUTSIDE}curl {args} "$INGRESS_HOST:$INGRESS_PORT{path}" '
                  '-s -o /dev/null -w "%{http_code}\\n"')  # fmt: skip
    return out.stdout.strip()


@pytest.fixture(scope="module", autouse=True)
def setup(lab: E2ELab) -> Iterator[None]:
    """authn-policy "Setup" (httpbin in an injected `foo`) and "End-user authentication" 1.:
    the httpbin gateway; the outside client."""
    lab.sh("kubectl create ns foo && kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl create namespace outside && kubectl apply -n outside -f samples/curl/curl.yaml")
    out = lab.sh("kubectl apply -f samples/httpbin/httpbin-gateway.yaml -n foo")
    assert out.stdout == (
        "gateway.networking.istio.io/httpbin-gateway created\n"
        "virtualservice.networking.istio.io/httpbin created\n"
    )
    yield
    lab.sh("kubectl delete namespace outside")
    lab.sh("kubectl delete ns foo")  # "Clean up part 3"


def test_end_user_authentication(page: E2ELab, lab_time: _LaterClock) -> None:
    """istio.io/latest/docs/tasks/security/authentication/authn-policy/ "End-user
    authentication": without a policy the gateway answers 200; with jwt-example a request
    without a token still passes, `Bearer deadbeef` is 401, demo.jwt passes; a token from
    gen-jwt.py with `--expire 5` passes for a minute (Envoy's 60 s clock skew) and then gets
    401: the page's 10 requests 10 s apart print 7 x 200 then 3 x 401."""
    page.on_cleanup("kubectl -n istio-system delete requestauthentication jwt-example")
    # 2. "Get the ingress IP and port ... Run a test query"
    assert status(page) == "200"
    # 3. the RequestAuthentication on the ingress gateway
    out = page.apply_page_yaml("end_user_authentication/jwt-example.yaml")
    assert out.stdout == "requestauthentication.security.istio.io/jwt-example created\n"
    # 4. "If you don't provide a token ... the request is accepted"
    assert status(page) == "200"
    # 5. "If you provide an invalid token, the request is rejected with 401"
    assert status(page, '--header "Authorization: Bearer deadbeef"') == "401"
    # 6. demo.jwt is accepted
    token = f"TOKEN=$({OUTSIDE}curl {SAMPLES}/demo.jwt -s)"
    assert status(page, '--header "Authorization: Bearer $TOKEN"', before=token) == "200"
    # 7. "a token with short expiration time (5 seconds)" from gen-jwt.py
    lab_time.freeze()
    minted = page.sh("meshcert jwt mint --expire 5").stdout.strip()
    codes = []
    for _ in range(10):
        codes.append(status(page, f'--header "Authorization: Bearer {minted}"'))
        lab_time.offset += 10  # "sleep 10"
    assert codes == ["200"] * 7 + ["401"] * 3


def test_require_a_valid_token(page: E2ELab) -> None:
    """authn-policy "Require a valid token": a DENY policy for requests without a request
    principal turns the token-less request into 403; "Require valid tokens per-path": only
    /headers needs one, /ip answers 200."""
    page.on_cleanup(
        "kubectl -n istio-system delete requestauthentication jwt-example",
        "kubectl -n istio-system delete authorizationpolicy frontend-ingress",
    )
    page.apply_page_yaml("end_user_authentication/jwt-example.yaml")
    out = page.apply_page_yaml("end_user_authentication/frontend-ingress.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/frontend-ingress created\n"
    assert status(page) == "403"
    token = f"TOKEN=$({OUTSIDE}curl {SAMPLES}/demo.jwt -s)"
    assert status(page, '--header "Authorization: Bearer $TOKEN"', before=token) == "200"
    # "Require valid tokens per-path"
    out = page.apply_page_yaml("end_user_authentication/frontend-ingress-path.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/frontend-ingress configured\n"
    assert status(page) == "403"
    assert status(page, path="/ip") == "200"
