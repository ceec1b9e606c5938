"""Ingress and egress gateways: servers, hosts, VirtualService binding and merging.

Sources: ISTIO-SEMANTICS.md Gateway section and VirtualService "Several VS" line; istio/istio
pilot/pkg/networking/core/gateway.go (buildGatewayHTTPRouteConfig: server hosts with `ns/`,
VirtualService attached through its `gateways`, host intersection, routes of several
VirtualServices merged with catch-alls last, 404 without a virtual host, httpsRedirect 301);
istio.io docs/tasks/traffic-management/ingress/ingress-control (httpbin through the ingress
gateway: /status and /delay routed, anything else 404) and egress/egress-gateway.
"""

from __future__ import annotations

from typing import Any

import yaml

from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.gateways import gateway_route, gateway_route_tcp
from meshcert.mesh.routing import (
    NoListener,
    NoRoute,
    Redirect,
    Routed,
    TcpRouted,
    proxy_for,
    route_http,
)
from meshcert.mesh.view import MeshView

BASE = """
kind: Pod
metadata:
  name: istio-ingressgateway-abc
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway}
spec: {containers: [{name: istio-proxy, args: [proxy, router]}]}
---
kind: Pod
metadata:
  name: istio-egressgateway-abc
  namespace: istio-system
  labels: {app: istio-egressgateway, istio: egressgateway}
spec: {containers: [{name: istio-proxy, args: [proxy, router]}]}
---
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  type: NodePort
  ports:
  - {name: http2, port: 80, targetPort: 8080, nodePort: 31380}
  - {name: https, port: 443, targetPort: 8443}
---
kind: Pod
metadata: {name: httpbin, labels: {app: httpbin}}
spec: {containers: [{name: httpbin}, {name: istio-proxy}]}
---
kind: Service
metadata: {name: httpbin}
spec: {selector: {app: httpbin}, ports: [{name: http, port: 8000, targetPort: 8080}]}
---
kind: Pod
metadata: {name: curl, labels: {app: curl}}
spec: {containers: [{name: curl}, {name: istio-proxy}]}
---
kind: Gateway
metadata: {name: httpbin-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [httpbin.example.com]
"""

INGRESS_VS = """
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin.example.com]
  gateways: [httpbin-gateway]
  http:
  - match: [{uri: {prefix: /status}}, {uri: {prefix: /delay}}]
    route: [{destination: {port: {number: 8000}, host: httpbin}}]
"""


def view_of(extra: str = "") -> MeshView:
    docs = [d for d in yaml.safe_load_all(BASE + "\n---\n" + extra) if d]
    return MeshView.from_manifests(docs)


def ingress(
    view: MeshView, url_path: str, host: str = "httpbin.example.com", port: int = 80
) -> Any:
    gw = view.workload("istio-system", "istio-ingressgateway-abc")
    assert gw is not None
    return gateway_route(view, gw, HttpRequest("GET", host, url_path), port)


def test_ingress_control_task() -> None:
    view = view_of(INGRESS_VS)
    out = ingress(view, "/status/200")
    assert isinstance(out, Routed)
    assert [(d.destination.host, d.destination.port) for d in out.destinations] == [
        ("httpbin.default.svc.cluster.local", 8000)
    ]
    assert isinstance(ingress(view, "/headers"), NoRoute)  # not exposed: 404
    assert isinstance(ingress(view, "/status/200", host="other.example.com"), NoRoute)


def test_gateway_proxy_routes_through_route_http() -> None:
    view = view_of(INGRESS_VS)
    gw = view.workload("istio-system", "istio-ingressgateway-abc")
    proxy = proxy_for(gw)
    assert proxy is not None
    assert proxy.is_gateway
    out = route_http(view, proxy, HttpRequest("GET", "httpbin.example.com", "/delay/1"), 80)
    assert isinstance(out, Routed)


def test_container_target_port_and_node_port_are_accepted() -> None:
    assert isinstance(ingress(view_of(INGRESS_VS), "/status/200", port=8080), Routed)
    assert isinstance(ingress(view_of(INGRESS_VS), "/status/200", port=31380), Routed)


def test_no_server_on_the_port_refuses() -> None:
    assert isinstance(ingress(view_of(INGRESS_VS), "/status/200", port=8081), NoListener)


def test_vs_not_listing_the_gateway_does_not_attach() -> None:
    view = view_of(INGRESS_VS.replace("gateways: [httpbin-gateway]", ""))
    assert isinstance(ingress(view, "/status/200"), NoRoute)


def test_vs_host_must_intersect_server_hosts() -> None:
    view = view_of(INGRESS_VS.replace("hosts: [httpbin.example.com]", "hosts: [other.example.com]"))
    assert isinstance(ingress(view, "/status/200", host="other.example.com"), NoRoute)


def test_wildcard_server_and_vs_hosts() -> None:
    star = "hosts: ['*']"
    base = BASE.replace("hosts: [httpbin.example.com]", star)
    vs = INGRESS_VS.replace("hosts: [httpbin.example.com]", star)
    docs = [d for d in yaml.safe_load_all(base + "\n---\n" + vs) if d]
    view = MeshView.from_manifests(docs)
    assert isinstance(ingress(view, "/status/200", host="anything.io"), Routed)


def test_server_namespace_restricts_virtual_services() -> None:
    base_ns = BASE.replace("hosts: [httpbin.example.com]", "hosts: [prod/httpbin.example.com]")
    docs = [d for d in yaml.safe_load_all(base_ns + "\n---\n" + INGRESS_VS) if d]
    view = MeshView.from_manifests(docs)
    assert isinstance(ingress(view, "/status/200"), NoRoute)  # the VS is in default, not prod


def test_several_vs_merge_with_catch_all_last() -> None:
    catch_all = """
kind: VirtualService
metadata: {name: a-catch-all}
spec:
  hosts: [httpbin.example.com]
  gateways: [httpbin-gateway]
  http:
  - route: [{destination: {host: httpbin, port: {number: 8000}}}]
    headers: {response: {set: {x-from: catch-all}}}
"""
    view = view_of(catch_all + "---" + INGRESS_VS)
    status = ingress(view, "/status/200")
    assert status.virtual_service.name == "httpbin"  # older catch-all moved after it
    assert ingress(view, "/headers").virtual_service.name == "a-catch-all"


def test_https_redirect() -> None:
    base = BASE.replace(
        "    hosts: [httpbin.example.com]",
        "    hosts: [httpbin.example.com]\n    tls: {httpsRedirect: true}",
    )
    docs = [d for d in yaml.safe_load_all(base + "\n---\n" + INGRESS_VS) if d]
    out = ingress(MeshView.from_manifests(docs), "/status/200")
    assert out == Redirect(301, "https://httpbin.example.com/status/200", "", None)


EGRESS = """
kind: ServiceEntry
metadata: {name: cnn}
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 80, name: http-port, protocol: HTTP}
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
---
kind: Gateway
metadata: {name: istio-egressgateway}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [edition.cnn.com]
---
kind: VirtualService
metadata: {name: direct-cnn-through-egress-gateway}
spec:
  hosts: [edition.cnn.com]
  gateways: [istio-egressgateway, mesh]
  http:
  - match: [{gateways: [mesh], port: 80}]
    route:
    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}
  - match: [{gateways: [istio-egressgateway], port: 80}]
    route:
    - destination: {host: edition.cnn.com, port: {number: 80}}
"""


def test_egress_gateway_task() -> None:
    egress_service = """
kind: Service
metadata: {name: istio-egressgateway, namespace: istio-system}
spec: {selector: {istio: egressgateway}, ports: [{name: http2, port: 80, targetPort: 8080}]}
---
"""
    view = view_of(egress_service + EGRESS)
    curl = proxy_for(view.workload("default", "curl"))
    hop1 = route_http(view, curl, HttpRequest("GET", "edition.cnn.com", "/politics"), 80)
    assert hop1.destinations[0].destination.host == (
        "istio-egressgateway.istio-system.svc.cluster.local"
    )
    gw = view.workload("istio-system", "istio-egressgateway-abc")
    hop2 = gateway_route(view, gw, HttpRequest("GET", "edition.cnn.com", "/politics"), 80)
    assert hop2.destinations[0].destination.host == "edition.cnn.com"


def test_tls_passthrough_server_routes_on_sni() -> None:
    extra = """
kind: Gateway
metadata: {name: tls-gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: [nginx.example.com]
---
kind: VirtualService
metadata: {name: nginx}
spec:
  hosts: [nginx.example.com]
  gateways: [tls-gw]
  tls:
  - match: [{port: 443, sniHosts: [nginx.example.com]}]
    route: [{destination: {host: my-nginx, port: {number: 443}}}]
"""
    view = view_of(extra)
    gw = view.workload("istio-system", "istio-ingressgateway-abc")
    out = gateway_route_tcp(view, gw, "10.0.0.1", 443, sni="nginx.example.com")
    assert isinstance(out, TcpRouted)
    assert out.destinations[0].destination.host == "my-nginx.default.svc.cluster.local"


CLAIMS_VS = """
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin.example.com]
  gateways: [httpbin-gateway]
  http:
  - match: [{headers: {"@request.auth.claims.groups": {exact: group1}}}]
    route: [{destination: {host: httpbin, port: {number: 8000}, subset: v2}}]
  - match: [{headers: {"@request.auth.claims[nested][key1]": {exact: value1}}}]
    route: [{destination: {host: httpbin, port: {number: 8000}, subset: v3}}]
  - route: [{destination: {host: httpbin, port: {number: 8000}, subset: v1}}]
"""


def test_jwt_claim_routing() -> None:
    """istio.io docs/tasks/security/authentication/jwt-route: string, list and nested claims;
    without verified claims the claim rules do not match."""
    view = view_of(CLAIMS_VS)
    gw = view.workload("istio-system", "istio-ingressgateway-abc")
    assert gw is not None
    request = HttpRequest("GET", "httpbin.example.com", "/headers")

    def subset(claims: dict[str, Any] | None) -> str | None:
        out = gateway_route(view, gw, request, 80, claims)
        assert isinstance(out, Routed)
        return out.destinations[0].destination.subset

    assert subset(None) == "v1"
    assert subset({"groups": ["group1", "group2"]}) == "v2"
    assert subset({"groups": "group1"}) == "v2"
    assert subset({"groups": ["group3"]}) == "v1"
    assert subset({"nested": {"key1": "value1"}}) == "v3"
