"""istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/ (Istio 1.26), end to end
with the real kubectl: a Gateway of class `istio` (istiod deploys `gateway-istio`), an HTTPRoute
bound to it, then the route extended with a RequestHeaderModifier filter (YAML in
gateway_api_ingress/, fed on stdin as the page does).

The page runs `curl` on the user's machine; as in test_ingress_control.py the stand-in is the
curl sample in a namespace without sidecar injection (`outside`). The Gateway's address is
the Hostname of its Service (the lab has no external load balancer), which resolves there.
The Gateway API CRDs come from `meshcert lab gateway-api | kubectl apply -f -`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

OUTSIDE = "kubectl exec -n outside deploy/curl -c curl -- "
HOST = "-HHost:httpbin.example.com "
INGRESS_HOST = (
    "export INGRESS_HOST=$(kubectl get gateways.gateway.networking.k8s.io gateway "
    "-n istio-ingress -ojsonpath='{.status.addresses[0].value}') && "
)


@pytest.fixture(scope="module", autouse=True)
def setup(lab: E2ELab) -> Iterator[None]:
    lab.sh("meshcert lab gateway-api | kubectl apply -f -")
    lab.sh("kubectl create namespace outside && kubectl apply -n outside -f samples/curl/curl.yaml")
    yield
    lab.sh("kubectl delete namespace outside")


def test_configuring_a_gateway(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/

    "Configuring a Gateway": /get through the gateway answers 200 with `server: istio-envoy`;
    /headers is not routed (404); after adding the /headers match with a RequestHeaderModifier
    filter, httpbin sees `My-Added-Header: added-value`.
    """
    page.on_cleanup(
        "kubectl delete httproute http",
        "kubectl delete gateways.gateway.networking.k8s.io gateway -n istio-ingress",
        "kubectl delete ns istio-ingress",
    )
    page.sh("kubectl create namespace istio-ingress")
    out = page.apply_page_yaml("gateway_api_ingress/gateway-and-route.yaml")
    assert out.stdout == (
        "gateway.gateway.networking.k8s.io/gateway created\n"
        "httproute.gateway.networking.k8s.io/http created\n"
    )

    # $ kubectl wait -n istio-ingress --for=condition=programmed \
    #     gateways.gateway.networking.k8s.io gateway
    out = page.sh(
        "kubectl wait -n istio-ingress --for=condition=programmed "
        "gateways.gateway.networking.k8s.io gateway"
    )
    assert out.stdout == "gateway.gateway.networking.k8s.io/gateway condition met\n"

    # $ curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST/get"
    out = page.sh(INGRESS_HOST + OUTSIDE + "curl -s -I " + HOST + '"http://$INGRESS_HOST/get"')
    lines = out.stdout.splitlines()
    assert lines[0] == "HTTP/1.1 200 OK"
    assert "server: istio-envoy" in lines

    # $ curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST/headers"
    out = page.sh(INGRESS_HOST + OUTSIDE + "curl -s -I " + HOST + '"http://$INGRESS_HOST/headers"')
    assert out.stdout.splitlines()[0] == "HTTP/1.1 404 Not Found"

    # the route with /headers and the RequestHeaderModifier filter
    out = page.apply_page_yaml("gateway_api_ingress/route-with-header.yaml")
    assert out.stdout == "httproute.gateway.networking.k8s.io/http configured\n"

    # $ curl -s -HHost:httpbin.example.com "http://$INGRESS_HOST/headers" |
    #     jq '.headers["My-Added-Header"][0]'   ->   "added-value"
    out = page.sh(INGRESS_HOST + OUTSIDE + "curl -s " + HOST + '"http://$INGRESS_HOST/headers"')
    assert json.loads(out.stdout)["headers"]["My-Added-Header"][0] == "added-value"

    # the route's status: accepted by the Gateway's listener
    out = page.sh(
        "kubectl get httproute http -o "
        "jsonpath='{.status.parents[0].conditions[0].reason} "
        "{.status.parents[0].conditions[0].message}'"
    )
    assert out.stdout == "Accepted Route was valid"
    out = page.sh(
        "kubectl get gateways.gateway.networking.k8s.io gateway -n istio-ingress "
        "-o jsonpath='{.status.listeners[0].attachedRoutes}'"
    )
    assert out.stdout == "1"
    header, row = page.sh("kubectl get httproute http").stdout.splitlines()
    assert header.split() == ["NAME", "HOSTNAMES", "AGE"]
    assert row.split()[:2] == ["http", '["httpbin.example.com"]']
    described = page.sh("kubectl describe httproute http").stdout
    assert re.search(r"Controller Name:\s+istio.io/gateway-controller", described)
    assert "Route was valid" in described
