"""istio.io/latest/docs/tasks/security/authorization/authz-td-migration/ ("Authorization
policies with a trust domain") end to end with the real kubectl and the lab's istioctl as the
page runs it (`istioctl` on the user's machine: the shim of `meshcert lab env`).

Istio is installed with trust domain `old-td`; a policy allows only `old-td/ns/curl-allow/sa/curl`;
after migrating to `new-td` the same client is denied until `old-td` is declared an alias.
Inline YAML is in authz_td_migration/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "base"
CURL = (
    'kubectl exec "$(kubectl -n {ns} get pod -l app=curl -o jsonpath={{.items..metadata.name}})" '
    '-c curl -n {ns} -- curl http://httpbin.foo:8000/ip -s -o /dev/null -w "%{{http_code}}\\n"'
)


def _code(lab: E2ELab, namespace: str) -> str:
    return lab.sh(CURL.format(ns=namespace)).stdout.strip()


@pytest.fixture(scope="module", autouse=True)
def old_trust_domain(lab: E2ELab) -> None:
    # "Before you begin"
    out = lab.sh("istioctl install --set profile=demo --set meshConfig.trustDomain=old-td -y")
    assert "✔ Installation complete" in out.stdout
    lab.sh("kubectl create namespace foo && kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n foo")
    lab.sh("kubectl create namespace curl-allow && "
           "kubectl label namespace curl-allow istio-injection=enabled")  # fmt: skip
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n curl-allow")
    lab.apply_page_yaml("authz_td_migration/policy.yaml")


def test_migrating_the_trust_domain_needs_an_alias(page: E2ELab) -> None:
    """The page's three steps: before the migration, after it without an alias, with it."""
    # "Before you begin": only curl in curl-allow is allowed
    assert _code(page, "foo") == "403"
    assert _code(page, "curl-allow") == "200"

    # "Migrate trust domain without trust domain aliases"
    out = page.sh("istioctl install --set profile=demo --set meshConfig.trustDomain=new-td -y")
    assert "✔ Installation complete" in out.stdout
    page.sh("kubectl rollout restart deployment -n istio-system istiod")
    page.sh("kubectl delete pod --all -n foo && kubectl delete pod --all -n curl-allow")
    page.sh("kubectl rollout status deployment -n foo httpbin --timeout=60s && "
            "kubectl rollout status deployment -n curl-allow curl --timeout=60s && "
            "kubectl rollout status deployment -n foo curl --timeout=60s")  # fmt: skip
    assert _code(page, "foo") == "403"
    assert _code(page, "curl-allow") == "403"

    # "Migrate trust domain with trust domain aliases"
    out = page.sh(
        "istioctl install --set profile=demo -f authz_td_migration/td-installation.yaml -y"
    )
    assert "✔ Installation complete" in out.stdout
    assert _code(page, "foo") == "403"
    assert _code(page, "curl-allow") == "200"
