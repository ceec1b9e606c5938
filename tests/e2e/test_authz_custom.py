"""istio.io/latest/docs/tasks/security/authorization/authz-custom/ (Istio 1.26), "External
Authorization", end to end with the real kubectl: httpbin and curl in the injected namespace
`foo`, the sample ext-authz server (samples/extauthz/ext-authz.yaml), the page's extension
providers and CUSTOM policy (authz_custom/).

"Edit the mesh config with `kubectl edit configmap istio -n istio-system`": an editor session
is interactive, so the test makes the same change with `kubectl get` and `kubectl apply`.
The sample server's own log (its start lines and one line per check) is not reproduced by the
lab: the steps that read it are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-demo"
HERE = Path(__file__).parent
CURL = (
    'kubectl exec "$(kubectl get pod -l app=curl -n foo -o jsonpath={.items..metadata.name})"'
    " -c curl -n foo -- curl"
)
DENIED = "denied by ext_authz for not found header `x-ext-authz: allow` in the request"


def set_mesh(lab: E2ELab, change: Any) -> str:
    """The mesh config's text before the change; `change(doc)` edits the parsed config."""
    got = lab.sh("kubectl get configmap istio -n istio-system -o json")
    configmap = json.loads(got.stdout)
    before = configmap["data"]["mesh"]
    doc = yaml.safe_load(before) or {}
    change(doc)
    configmap["data"]["mesh"] = yaml.safe_dump(doc, sort_keys=False)
    for key in ("resourceVersion", "uid", "creationTimestamp", "managedFields"):
        configmap["metadata"].pop(key, None)
    lab.sh("kubectl apply -f -", input=json.dumps(configmap))
    return str(before)


@pytest.fixture(scope="module", autouse=True)
def workloads(lab: E2ELab) -> Iterator[None]:
    """ "Before you begin", "Deploy the external authorizer", "Define the external authorizer";
    "Clean up" afterwards (the namespace, then the providers)."""
    lab.sh("kubectl create ns foo && kubectl label ns foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n foo")
    providers = yaml.safe_load((HERE / "authz_custom/providers.yaml").read_text())
    before = set_mesh(lab, lambda doc: doc.update(providers))
    yield
    lab.sh("kubectl delete namespace foo")
    set_mesh(lab, lambda doc: doc.clear() or doc.update(yaml.safe_load(before) or {}))


def test_deploy_the_external_authorizer(page: E2ELab) -> None:
    assert page.sh(f'{CURL} http://httpbin.foo:8000/ip -s -o /dev/null -w "%{{http_code}}\\n"'
                   ).stdout == "200\n"  # fmt: skip
    out = page.sh("kubectl apply -n foo -f samples/extauthz/ext-authz.yaml")
    assert out.lines == ["service/ext-authz created", "deployment.apps/ext-authz created"]


def test_enable_with_external_authorization(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-custom/

    "Enable with external authorization".
    """
    page.on_cleanup("kubectl delete authorizationpolicy ext-authz -n foo")
    page.sh("kubectl apply -n foo -f samples/extauthz/ext-authz.yaml")
    out = page.apply_page_yaml("authz_custom/ext-authz.yaml", "kubectl apply -n foo -f -")
    assert out.stdout == "authorizationpolicy.security.istio.io/ext-authz created\n"

    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -H "x-ext-authz: deny" -s')
    assert out.stdout == DENIED

    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -H "x-ext-authz: allow" -s')
    headers = json.loads(out.stdout)["headers"]
    assert headers["X-Ext-Authz-Check-Result"] == ["allowed"]

    out = page.sh(f'{CURL} "http://httpbin.foo:8000/ip" -s -o /dev/null -w "%{{http_code}}\\n"')
    assert out.stdout == "200\n"


def test_with_the_http_provider(page: E2ELab) -> None:
    """The page's "You can also replace this with sample-ext-authz-http": the HTTP check sends
    `x-ext-authz` (includeRequestHeadersInCheck) and the sample server answers the same."""
    page.on_cleanup("kubectl delete authorizationpolicy ext-authz -n foo")
    page.sh("kubectl apply -n foo -f samples/extauthz/ext-authz.yaml")
    text = (HERE / "authz_custom/ext-authz.yaml").read_text()
    http = text.replace("name: sample-ext-authz-grpc", "name: sample-ext-authz-http")
    page.sh("kubectl apply -n foo -f -", input=http)
    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -H "x-ext-authz: deny" -s')
    assert out.stdout == DENIED
    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -H "x-ext-authz: allow" -s '
                  '-o /dev/null -w "%{http_code}"')  # fmt: skip
    assert out.stdout == "200"


def test_route_with_external_authorization(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-custom/

    "Route with external authorization" (the page runs these curls in a `sleep` pod, which
    this task never deploys; the curl pod stands in).
    """
    page.on_cleanup("kubectl delete virtualservice ext-authz-route -n foo")
    page.apply_page_yaml("authz_custom/ext-authz-route.yaml", "kubectl apply -n foo -f -")
    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -H "x-ext-authz: allow" -s')
    assert out.stdout == "route-allow"
    out = page.sh(f'{CURL} "http://httpbin.foo:8000/headers" -H "x-ext-authz: deny" -s')
    assert out.stdout == "route-deny"
