"""istio.io/latest/docs/tasks/security/authorization/authz-ingress/ (Istio 1.26), "Ingress
Gateway Access Control", "Istio classic" tab, end to end with the real kubectl: httpbin in the
injected namespace `foo` behind httpbin-gateway, the page's policies in authz_ingress/ (the
page's heredocs expand `$CLIENT_IP`, as the test does before feeding them to kubectl).

The page runs `curl` on the user's machine, outside the cluster. As in the ingress-control
test, the stand-in is the curl sample in a namespace without sidecar injection (`outside`),
reaching the gateway at a node's address and the http2 node port. The lab's kube-proxy keeps
the client's source address (as `externalTrafficPolicy: Local` does, the page's "Network Load
Balancer" setup), so the "original client IP address" is that pod's IP. The page finds it in
the gateway's RBAC debug log (`istioctl proxy-config log --level rbac:debug`), which the lab
does not model; the test reads the pod's IP instead.

"HTTP/HTTPS Load Balancer": with gatewayTopology.numTrustedProxies (here in the gateway pod's
`proxy.istio.io/config` annotation, docs/ops/configuration/traffic-management/network-
topologies) the client address comes from X-Forwarded-For and `remoteIpBlocks` match it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-demo"
HERE = Path(__file__).parent
INGRESS = (
    "export INGRESS_NAME=istio-ingressgateway && export INGRESS_NS=istio-system && "
    'export INGRESS_PORT=$(kubectl -n "${INGRESS_NS}" get service "${INGRESS_NAME}" '
    "-o jsonpath='{.spec.ports[?(@.name==\"http2\")].nodePort}') && "
    'export INGRESS_HOST=$(kubectl get po -l istio=ingressgateway -n "${INGRESS_NS}" '
    "-o jsonpath='{.items[0].status.hostIP}') && "
)
OUTSIDE = "kubectl exec -n outside deploy/curl -c curl -- "
CHECK = OUTSIDE + 'curl "$INGRESS_HOST:$INGRESS_PORT"/headers -s -o /dev/null -w "%{http_code}\\n"'
CLEANUP = "kubectl delete authorizationpolicy ingress-policy -n istio-system --ignore-not-found"


@pytest.fixture(scope="module", autouse=True)
def workloads(lab: E2ELab) -> Iterator[None]:
    """ "Before you begin" (Istio classic): httpbin in foo behind httpbin-gateway; the outside
    client. "Clean up" afterwards."""
    lab.sh("kubectl create ns foo && kubectl label namespace foo istio-injection=enabled")
    lab.sh("kubectl apply -f samples/httpbin/httpbin.yaml -n foo")
    lab.sh("kubectl apply -f samples/httpbin/httpbin-gateway.yaml -n foo")
    lab.sh("kubectl create namespace outside && kubectl apply -n outside -f samples/curl/curl.yaml")
    yield
    lab.sh("kubectl delete namespace outside")
    lab.sh("kubectl delete namespace foo")


def client_ip(page: E2ELab) -> str:
    out = page.sh("kubectl get pod -n outside -l app=curl -o jsonpath='{.items[0].status.podIP}'")
    return out.stdout


def apply_with_client_ip(page: E2ELab, relative: str, ip: str) -> str:
    text = (HERE / relative).read_text().replace("$CLIENT_IP", ip)
    return page.sh("kubectl apply -f -", input=text).stdout


def test_the_gateway_works(page: E2ELab) -> None:
    assert page.sh(INGRESS + CHECK).stdout == "200\n"


@pytest.mark.parametrize("blocks", ["ipBlocks", "remoteIpBlocks"])
def test_ip_based_allow_list_and_deny_list(page: E2ELab, blocks: str) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-ingress/

    "IP-based allow list and deny list", for the `ipBlocks` and the `remoteIpBlocks` variant.
    """
    page.on_cleanup(CLEANUP)
    out = page.apply_page_yaml(f"authz_ingress/allow-{blocks}.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/ingress-policy created\n"
    assert page.sh(INGRESS + CHECK).stdout == "403\n"

    ip = client_ip(page)
    out_text = apply_with_client_ip(page, f"authz_ingress/allow-client-{blocks}.yaml", ip)
    assert out_text == "authorizationpolicy.security.istio.io/ingress-policy configured\n"
    assert page.sh(INGRESS + CHECK).stdout == "200\n"

    apply_with_client_ip(page, f"authz_ingress/deny-client-{blocks}.yaml", ip)
    assert page.sh(INGRESS + CHECK).stdout == "403\n"

    # "view the ingress gateway logs": the demo profile's access log has the denial with the
    # RBAC filter's details, the DENY policy's rule
    logs = page.sh(
        "kubectl get pods -n istio-system -o name -l istio=ingressgateway | sed 's|pod/||' | "
        'while read -r pod; do kubectl logs "$pod" -n istio-system; done'
    )
    last = logs.lines[-1]
    assert '"GET /headers HTTP/1.1" 403 - rbac_access_denied_matched_policy[' in last
    assert "ns[istio-system]-policy[ingress-policy]-rule[0]] " in last


def test_remote_ip_blocks_behind_a_trusted_proxy(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-ingress/ "HTTP/HTTPS Load
    Balancer" with docs/ops/configuration/traffic-management/network-topologies: one trusted
    proxy in front of the gateway puts the client in X-Forwarded-For; `remoteIpBlocks` match
    that address, `ipBlocks` still the connection's."""
    page.on_cleanup(
        CLEANUP,
        "kubectl patch deployment istio-ingressgateway -n istio-system --type json -p "
        '\'[{"op": "remove", "path": "/spec/template/metadata/annotations/'
        "proxy.istio.io~1config\"}]'",
    )
    page.sh(
        "kubectl patch deployment istio-ingressgateway -n istio-system -p "
        '\'{"spec":{"template":{"metadata":{"annotations":{"proxy.istio.io/config":'
        '"{\\"gatewayTopology\\" : { \\"numTrustedProxies\\": 1 } }"}}}}}\''
    )
    page.apply_page_yaml("authz_ingress/allow-remoteIpBlocks.yaml")

    def forwarded(address: str) -> str:
        return (
            INGRESS
            + OUTSIDE
            + (
                'curl "$INGRESS_HOST:$INGRESS_PORT"/headers -s -o /dev/null -w "%{http_code}\\n" '
                f"-H 'X-Forwarded-For: {address}'"
            )
        )

    assert page.sh(forwarded("1.2.3.4")).stdout == "200\n"
    assert page.sh(forwarded("5.6.7.8")).stdout == "200\n"
    assert page.sh(forwarded("9.9.9.9")).stdout == "403\n"
    assert page.sh(INGRESS + CHECK).stdout == "403\n"  # no header: the peer's address
    page.apply_page_yaml("authz_ingress/allow-ipBlocks.yaml")
    assert page.sh(forwarded("1.2.3.4")).stdout == "403\n"
