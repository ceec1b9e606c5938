"""istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/ (Istio 1.26), "Istio
APIs" tab, end to end with the real kubectl: the httpbin sample (in the lab's scenario, with
the demo profile's istio-ingressgateway), the page's Gateway and VirtualService (in
ingress_control/, fed on stdin as the page does).

The page runs `curl` on the user's machine, outside the cluster. The lab's addresses exist only
inside the simulation, so the stand-in is the curl sample in a namespace without sidecar
injection (`outside`): its requests reach the gateway as an external client's do, untouched by
any sidecar. "Determining the ingress IP and ports": the lab has no external load balancer
(EXTERNAL-IP stays `<pending>`), so the page's node-port instructions apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

INGRESS = (
    "export INGRESS_NAME=istio-ingressgateway && export INGRESS_NS=istio-system && "
    'export INGRESS_PORT=$(kubectl -n "${INGRESS_NS}" get service "${INGRESS_NAME}" '
    "-o jsonpath='{.spec.ports[?(@.name==\"http2\")].nodePort}') && "
    'export SECURE_INGRESS_PORT=$(kubectl -n "${INGRESS_NS}" get service "${INGRESS_NAME}" '
    "-o jsonpath='{.spec.ports[?(@.name==\"https\")].nodePort}') && "
    'export INGRESS_HOST=$(kubectl get po -l istio=ingressgateway -n "${INGRESS_NS}" '
    "-o jsonpath='{.items[0].status.hostIP}') && "
)
OUTSIDE = "kubectl exec -n outside deploy/curl -c curl -- "
# The page's cleanup is `kubectl delete gateway httpbin-gateway`; in the lab the short name
# `gateway` resolves to the Gateway API kind (see test_cleanup), so the tests clean up with the
# Istio kind's full name.
CLEANUP = (
    "kubectl delete gateways.networking.istio.io httpbin-gateway",
    "kubectl delete virtualservice httpbin",
)


@pytest.fixture(scope="module", autouse=True)
def outside_client(lab: E2ELab) -> Iterator[None]:
    lab.sh("kubectl create namespace outside && kubectl apply -n outside -f samples/curl/curl.yaml")
    yield
    lab.sh("kubectl delete namespace outside")


def test_determining_the_ingress_ip_and_ports(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/

    "Determining the ingress IP and ports": `kubectl get svc` shows the LoadBalancer Service;
    without an external load balancer EXTERNAL-IP is `<pending>` and the node ports of the `http2`
    and `https` ports are used with a node's address.
    """
    out = page.sh(
        "export INGRESS_NAME=istio-ingressgateway && export INGRESS_NS=istio-system && "
        'kubectl get svc "$INGRESS_NAME" -n "$INGRESS_NS"'
    )
    header, row = out.lines
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    name, kind, _, external, ports, _ = row.split()
    assert (name, kind, external) == ("istio-ingressgateway", "LoadBalancer", "<pending>")
    assert [p.split(":")[0] for p in ports.split(",")] == [
        "15021", "80", "443", "31400", "15443"]  # fmt: skip
    env = page.sh(INGRESS + 'echo "INGRESS_HOST=$INGRESS_HOST, INGRESS_PORT=$INGRESS_PORT, '
                  'SECURE_INGRESS_PORT=$SECURE_INGRESS_PORT"')  # fmt: skip
    host, port, secure = (part.split("=")[1] for part in env.stdout.strip().split(", "))
    node = page.sh("kubectl get nodes -o jsonpath='{.items[0].status.addresses[0].address}'")
    assert host == node.stdout
    assert 30000 <= int(port) <= 32767
    assert 30000 <= int(secure) <= 32767
    assert f"80:{port}/TCP" in ports
    assert f"443:{secure}/TCP" in ports


def test_configuring_ingress_using_a_gateway(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/

    "Configuring ingress using a gateway" and "Accessing ingress services": /status/200 with Host
    httpbin.example.com is 200 from `server: istio-envoy`; /headers is not exposed, 404.
    """
    page.on_cleanup(*CLEANUP)
    out = page.apply_page_yaml("ingress_control/gateway.yaml")
    assert out.stdout == "gateway.networking.istio.io/httpbin-gateway created\n"
    out = page.apply_page_yaml("ingress_control/virtual-service.yaml")
    assert out.stdout == "virtualservice.networking.istio.io/httpbin created\n"

    # $ curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"
    out = page.sh(INGRESS + OUTSIDE + 'curl -s -I -HHost:httpbin.example.com '
                  '"http://$INGRESS_HOST:$INGRESS_PORT/status/200"')  # fmt: skip
    lines = out.lines
    assert lines[:2] == ["HTTP/1.1 200 OK", "server: istio-envoy"]
    # "Note that you use the -H flag to set the Host HTTP header to "httpbin.example.com". This
    # is needed because your ingress Gateway is configured to handle "httpbin.example.com""
    out = page.sh(INGRESS + OUTSIDE + 'curl -s -I "http://$INGRESS_HOST:$INGRESS_PORT/status/200"')
    assert out.stdout.startswith("HTTP/1.1 404 Not Found\n")

    # "Access any other URL that has not been explicitly exposed. You should see an HTTP 404
    # error"
    out = page.sh(INGRESS + OUTSIDE + 'curl -s -I -HHost:httpbin.example.com '
                  '"http://$INGRESS_HOST:$INGRESS_PORT/headers"')  # fmt: skip
    assert out.lines[0] == "HTTP/1.1 404 Not Found"
    assert "server: istio-envoy" in out.lines

    # the gateway's access log (the demo profile logs to stdout): both requests, the second
    # with Envoy's NR flag (no route)
    log = page.sh("kubectl logs -l istio=ingressgateway -c istio-proxy -n istio-system | tail -3")
    assert '"HEAD /status/200 HTTP/1.1" 200 ' in log.lines[0]
    assert "outbound|8000||httpbin.default.svc.cluster.local" in log.lines[0]
    assert '"HEAD /headers HTTP/1.1" 404 NR route_not_found ' in log.lines[2]


def test_accessing_ingress_services_using_a_browser(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/

    "Accessing ingress services using a browser": with `*` hosts in the Gateway and VirtualService,
    http://$INGRESS_HOST:$INGRESS_PORT/headers works without a Host header.
    """
    page.on_cleanup(*CLEANUP)
    out = page.apply_page_yaml("ingress_control/browser.yaml")
    assert out.lines == [
        "gateway.networking.istio.io/httpbin-gateway created",
        "virtualservice.networking.istio.io/httpbin created",
    ]
    out = page.sh(INGRESS + OUTSIDE + 'curl -s "http://$INGRESS_HOST:$INGRESS_PORT/headers"')
    headers = json.loads(out.stdout)["headers"]
    host = page.sh(INGRESS + 'echo "$INGRESS_HOST:$INGRESS_PORT"').stdout.strip()
    # the 1.26 httpbin sample is go-httpbin, which lists each header's values
    assert headers["Host"] == [host]
    assert headers["X-Envoy-Attempt-Count"] == ["1"]
    client = page.sh(
        "kubectl get pod -n outside -l app=curl -o jsonpath='{.items[0].status.podIP}'"
    )
    assert headers["X-Forwarded-For"] == [client.stdout]  # the gateway is the edge

    # Troubleshooting: "Check that the environment variables ... have valid values"
    svc = page.sh("kubectl get svc -n istio-system")
    assert "istio-ingressgateway   LoadBalancer" in svc.stdout
    # "Check that you don't have other Istio ingress gateways defined on the same port". In the
    # lab the Gateway API kinds are served too, so the short name `gateway` resolves to
    # gateway.networking.k8s.io (as on a cluster with the Gateway API CRDs installed): name the
    # Istio kind to list the Istio Gateways.
    gateways = page.sh("kubectl get gateways.networking.istio.io --all-namespaces")
    assert gateways.lines[1].split()[:2] == ["default", "httpbin-gateway"]
    assert len(gateways.lines) == 2


def test_cleanup(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/

    "Cleanup": `kubectl delete gateway httpbin-gateway` and `kubectl delete virtualservice httpbin`
    remove the Istio configuration.
    """
    page.on_cleanup(*CLEANUP)
    page.apply_page_yaml("ingress_control/gateway.yaml")
    page.apply_page_yaml("ingress_control/virtual-service.yaml")
    out = page.sh("kubectl delete gateway httpbin-gateway", check=False)
    assert out.stdout == (
        'gateway.networking.istio.io "httpbin-gateway" deleted from default namespace\n'
    ), out.stderr
