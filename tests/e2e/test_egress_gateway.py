"""istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/ (Istio 1.26), "Istio
APIs" tab, section "Egress gateway for HTTP traffic" (no TLS), end to end with the real
kubectl: the curl sample (in the lab's scenario) as the source pod, the demo profile's egress
gateway with access logs on. The page's inline YAML is in egress_gateway/.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import E2ELab

SOURCE = "export SOURCE_POD=$(kubectl get pod -l app=curl -o jsonpath={.items..metadata.name}) && "
POLITICS = (
    SOURCE + 'kubectl exec "$SOURCE_POD" -c curl -- '
    "curl -sSL -o /dev/null -D - http://edition.cnn.com/politics"
)


def assert_redirected_to_https(out: str) -> None:
    """The page's output: `HTTP/1.1 301 Moved Permanently ... location:
    https://edition.cnn.com/politics ... HTTP/2 200 / Content-Type: text/html; charset=utf-8`
    (curl -L follows the redirect; -D - dumps both header blocks)."""
    first, _, second = out.partition("\n\n")
    assert first.splitlines()[0] == "HTTP/1.1 301 Moved Permanently"
    assert "location: https://edition.cnn.com/politics" in first.lower().splitlines()
    assert second.splitlines()[0] == "HTTP/2 200"
    assert "content-type: text/html; charset=utf-8" in second.lower().splitlines()


def test_egress_gateway_for_http_traffic(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/

    "Deploy Istio egress gateway" and "Egress gateway for HTTP traffic": the request to
    http://edition.cnn.com/politics goes through istio-egressgateway, whose log shows it; the
    answers are the same as without the gateway.
    """
    # "Cleanup HTTP gateway", the page's commands except the Gateway's (the lab resolves the
    # short name `gateway` to the Gateway API kind: see test_ingress_control.test_cleanup)
    page.on_cleanup(
        "kubectl delete serviceentry cnn",
        "kubectl delete gateways.networking.istio.io istio-egressgateway",
        "kubectl delete virtualservice direct-cnn-through-egress-gateway",
        "kubectl delete destinationrule egressgateway-for-cnn",
    )
    # Deploy Istio egress gateway: "Check if the Istio egress gateway is deployed"
    out = page.sh("kubectl get pod -l istio=egressgateway -n istio-system")
    assert out.lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert out.lines[1].startswith("istio-egressgateway-")
    assert out.lines[1].split()[1:3] == ["1/1", "Running"]

    # 1. a ServiceEntry for edition.cnn.com
    out = page.apply_page_yaml("egress_gateway/service-entry.yaml")
    assert out.stdout == "serviceentry.networking.istio.io/cnn created\n"
    # 2. "Verify that your ServiceEntry was applied correctly"
    assert_redirected_to_https(page.sh(POLITICS).stdout)

    # 3. a Gateway for edition.cnn.com port 80 and a destination rule for its traffic
    out = page.apply_page_yaml("egress_gateway/gateway.yaml")
    assert out.lines == [
        "gateway.networking.istio.io/istio-egressgateway created",
        "destinationrule.networking.istio.io/egressgateway-for-cnn created",
    ]
    # 4. the VirtualService from the sidecars to the egress gateway and from it out
    out = page.apply_page_yaml("egress_gateway/virtual-service.yaml")
    assert out.stdout == (
        "virtualservice.networking.istio.io/direct-cnn-through-egress-gateway created\n"
    )

    # 5. "Resend the HTTP request ... The output should be the same as in the step 2."
    before = page.sh(
        "kubectl logs -l istio=egressgateway -c istio-proxy -n istio-system | wc -l"
    ).stdout
    assert_redirected_to_https(page.sh(POLITICS).stdout)

    # 6. "Check the log of the istio-egressgateway pod for a line corresponding to our request"
    # [2019-09-03T20:57:49.103Z] "GET /politics HTTP/2" 301 - "-" "-" 0 0 90 89 "10.244.2.10"
    # "curl/7.64.0" "ea379962-..." "edition.cnn.com" "151.101.65.67:80"
    # outbound|80||edition.cnn.com - 10.244.1.5:80 10.244.2.10:50482 edition.cnn.com -
    log = page.sh("kubectl logs -l istio=egressgateway -c istio-proxy -n istio-system | tail")
    after = page.sh("kubectl logs -l istio=egressgateway -c istio-proxy -n istio-system | wc -l")
    assert int(after.stdout) == int(before) + 1  # only the plain-HTTP request went through it
    line = log.lines[-1]
    source_ip = page.sh("kubectl get pod -l app=curl -o jsonpath='{.items[0].status.podIP}'")
    assert re.search(
        r'"GET /politics HTTP/[12](\.1)?" 301 - via_upstream - "-" 0 \d+ \d+ \d+ '
        rf'"{re.escape(source_ip.stdout)}" "curl/[\d.]+" "[\w-]+" "edition\.cnn\.com" '
        r'"[\d.]+:80" outbound\|80\|\|edition\.cnn\.com ',
        line,
    ), line
    # the HTTPS request that followed the redirect did not use the gateway (port 443 has no
    # route to it): the source pod's sidecar sent it to edition.cnn.com directly
    sidecar = page.sh(SOURCE + 'kubectl logs "$SOURCE_POD" -c istio-proxy | tail -2')
    assert "outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local" in sidecar.lines[0]
    assert "outbound|443||edition.cnn.com" in sidecar.lines[1]
