"""How an ambient waypoint routes a request for one of the services it serves.

A waypoint has one set of routes per service (port), chosen by the service the client's
ztunnel sent the connection for, not by the Host header: the HTTPRoutes whose parentRef is the
Service (converted to VirtualServices bound to `mesh`, `config/httproutes.py`) and the
VirtualServices for the service's host; without either, the service's default route.

Sources: istio/istio pilot/pkg/networking/core/listener_waypoint.go (buildWaypointInternal: a
filter chain per service VIP and port; buildWaypointInboundHTTPFilters: the routes of that
service), istio.io docs/ambient/usage/l7-features ("Traffic routing": HTTPRoute with a Service
parentRef, VirtualService as alpha) and docs/ambient/usage/waypoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import hosts
from ..config import exports
from ..config.matching import MatchContext
from ..config.virtualservices import VirtualService
from ..exchanges import HttpRequest
from ..view import MeshView
from .http import default_route, evaluate
from .outcomes import NoRoute, RouteOutcome
from .proxies import MESH_GATEWAY, Proxy


def waypoint_virtual_service(view: MeshView, host: str, namespace: str) -> VirtualService | None:
    """The oldest VirtualService bound to `mesh` for `host` (exact, else the most specific
    wildcard) visible from the service's `namespace`."""
    for key in (host, *hosts.wildcard_keys(host)):
        for vs in view.virtual_services_for(MESH_GATEWAY, key):
            if exports.visible(vs.export_to, vs.namespace, namespace):
                return vs
    return None


def waypoint_route(
    view: MeshView,
    proxy: Proxy,
    request: HttpRequest,
    port: int,
    claims: Mapping[str, Any] | None = None,
) -> RouteOutcome:
    """What the waypoint `proxy` does with `request` for its target service on `port`."""
    host = proxy.target
    services = view.services_for_host(host)
    namespace = services[0].namespace if services else proxy.namespace
    vs = waypoint_virtual_service(view, host, namespace)
    if vs is None:
        return default_route(view, host, port)
    ctx = MatchContext(port, proxy.labels, proxy.namespace, MESH_GATEWAY)
    outcome = evaluate(view, vs, request, ctx, namespace, host, claims)
    return outcome if outcome is not None else NoRoute(virtual_service=vs.key)


__all__ = ["waypoint_route", "waypoint_virtual_service"]
