"""tcp and tls routes on a sidecar.

Sources: ISTIO-SEMANTICS.md VirtualService "tls routes ... tcp routes ... First match wins"
line; istio/istio pilot/pkg/networking/core/networkfilter.go and tls.go (weighted TCP
clusters, SNI matching, the service's own cluster when no rule matches);
istio.io docs/tasks/traffic-management/tcp-traffic-shifting (80/20 tcp-echo shift).
"""

from __future__ import annotations

from typing import Any

from meshcert.mesh.routing import BlackHole, PassThrough, TcpRouted, route_tcp

SHIFT = """
kind: VirtualService
metadata: {name: tcp-echo}
spec:
  hosts: [tcp-echo]
  tcp:
  - match: [{port: 9001}]
    route: [{destination: {host: tcp-echo, port: {number: 9001}}}]
  - match: [{port: 9000}]
    route:
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: 80}
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: 20}
"""


def test_tcp_traffic_shifting(build: Any, dests: Any) -> None:
    view, proxy = build(SHIFT)
    (svc,) = view.services_for_host("tcp-echo.default.svc.cluster.local")
    out = route_tcp(view, proxy, svc.addresses[0], 9000)
    assert isinstance(out, TcpRouted)
    assert dests(out) == [
        ("tcp-echo.default.svc.cluster.local", "v1", 9000, 80),
        ("tcp-echo.default.svc.cluster.local", "v2", 9000, 20),
    ]
    other = route_tcp(view, proxy, svc.addresses[0], 9001)
    assert dests(other) == [("tcp-echo.default.svc.cluster.local", None, 9001, 100)]


def test_tcp_without_vs_goes_to_the_service(build: Any, dests: Any) -> None:
    view, proxy = build()
    (svc,) = view.services_for_host("tcp-echo.default.svc.cluster.local")
    assert dests(route_tcp(view, proxy, svc.addresses[0], 9000)) == [
        ("tcp-echo.default.svc.cluster.local", None, 9000, 100)
    ]


def test_tcp_to_unknown_address_follows_outbound_policy(build: Any) -> None:
    view, proxy = build()
    assert route_tcp(view, proxy, "203.0.113.9", 5432) == PassThrough("203.0.113.9", 5432)
    view, proxy = build(mesh="outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n")
    assert isinstance(route_tcp(view, proxy, "203.0.113.9", 5432), BlackHole)


TLS = """
kind: ServiceEntry
metadata: {name: external}
spec:
  hosts: [www.example.com, api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
kind: VirtualService
metadata: {name: external}
spec:
  hosts: [www.example.com, api.example.com]
  tls:
  - match: [{sniHosts: [api.example.com], port: 443}]
    route: [{destination: {host: www.example.com, port: {number: 443}}}]
"""


def test_tls_routes_match_sni(build: Any, dests: Any) -> None:
    view, proxy = build(TLS)
    out = route_tcp(view, proxy, "198.51.100.7", 443, sni="api.example.com")
    assert dests(out) == [("www.example.com", None, 443, 100)]
    www = route_tcp(view, proxy, "198.51.100.7", 443, sni="www.example.com")
    assert dests(www) == [("www.example.com", None, 443, 100)]
    unknown = route_tcp(view, proxy, "198.51.100.7", 443, sni="other.example.org")
    assert unknown == PassThrough("other.example.org", 443)


def test_tcp_service_entry_without_addresses_takes_its_port(build: Any, dests: Any) -> None:
    """istio.io docs/tasks/traffic-management/egress/egress-control (a TCP ServiceEntry under
    REGISTRY_ONLY): a port-only entry with resolution NONE admits any address on the port."""
    entry = """
kind: ServiceEntry
metadata: {name: mongo}
spec:
  hosts: [my-mongo.tcp.svc]
  ports: [{number: 27017, name: mongo, protocol: MONGO}]
  location: MESH_EXTERNAL
  resolution: NONE
"""
    view, proxy = build(entry, mesh="outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n")
    out = route_tcp(view, proxy, "203.0.113.5", 27017)
    assert dests(out) == [("my-mongo.tcp.svc", None, 27017, 100)]
    assert isinstance(route_tcp(view, proxy, "203.0.113.5", 5432), BlackHole)
