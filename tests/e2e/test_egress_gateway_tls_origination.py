"""istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway-tls-origination/ (Istio
1.26), "Istio APIs" tab, section "Perform TLS origination with an egress gateway", end to end
with the real kubectl: the curl sample (in the lab's scenario, injected) as the source pod, the
demo profile's egress gateway with access logs on; the page's YAML is in
egress_gateway_tls_origination/. The sidecar reaches the egress gateway with Istio mTLS
(ISTIO_MUTUAL, port 80), the gateway originates TLS to edition.cnn.com:443.

Not covered: "Perform mutual TLS origination with an egress gateway" (an nginx server with
`ssl_verify_client on` in `mesh-external`; the lab's apps do not serve TLS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import E2ELab

SOURCE = "export SOURCE_POD=$(kubectl get pod -l app=curl -o jsonpath={.items..metadata.name}) && "
POLITICS = (
    SOURCE + "kubectl exec $SOURCE_POD -c curl -- curl -sL -o /dev/null -D - "
    "http://edition.cnn.com/politics"
)
CLEANUP = (
    "kubectl delete gateways.networking.istio.io istio-egressgateway --ignore-not-found",
    "kubectl delete serviceentry cnn --ignore-not-found",
    "kubectl delete virtualservice direct-cnn-through-egress-gateway --ignore-not-found",
    "kubectl delete destinationrule originate-tls-for-edition-cnn-com --ignore-not-found",
    "kubectl delete destinationrule egressgateway-for-cnn --ignore-not-found",
)


def test_tls_origination_with_an_egress_gateway(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway-tls-origination/

    The ServiceEntry alone: 301 to https. Through the egress gateway, which originates TLS:
    `HTTP/1.1 200 OK` with no redirect, and the gateway's access log shows the request sent
    to edition.cnn.com on port 443 (`outbound|443||edition.cnn.com`).
    """
    page.on_cleanup(*CLEANUP)
    page.apply_page_yaml("egress_gateway_tls_origination/serviceentry.yaml")
    before = page.sh(POLITICS, check=False)
    assert before.stdout.splitlines()[0] == "HTTP/1.1 301 Moved Permanently"
    assert "location: https://edition.cnn.com/politics" in before.stdout.splitlines()
    page.apply_page_yaml("egress_gateway_tls_origination/gateway.yaml")
    page.apply_page_yaml("egress_gateway_tls_origination/virtualservice.yaml")
    page.apply_page_yaml("egress_gateway_tls_origination/destinationrule.yaml")
    after = page.sh(POLITICS)
    assert after.stdout.startswith("HTTP/1.1 200 OK\n")
    assert "301 Moved Permanently" not in after.stdout
    logs = page.sh("kubectl logs -l istio=egressgateway -c istio-proxy -n istio-system | tail")
    line = logs.lines[-1]
    assert '"GET /politics ' in line
    assert '" 200 ' in line
    assert '"edition.cnn.com"' in line
    assert ':443" outbound|443||edition.cnn.com ' in line
