"""Ingress and egress gateways: Gateway servers, the VirtualServices bound to them and how a
gateway proxy routes a request or a TCP/TLS connection.

Pure functions over a `MeshView`; no I/O. Entry points: `gateway_route(view, workload,
request, port)` and `gateway_route_tcp(view, workload, address, port, sni)`.
"""

from .routing import gateway_route, gateway_route_tcp, gateway_servers

__all__ = ["gateway_route", "gateway_route_tcp", "gateway_servers"]
