"""HTTP routing: what a sidecar does with one request on one outbound port.

Sources: pilot/pkg/networking/core/route/route.go (BuildHTTPRoutesForVirtualService: rules top
to bottom, one Envoy route per match entry, first match wins, nothing = 404 NR; route names;
default route with no timeout and the default retry policy; destination port: given, else the
service's only port, else the listener port; redirects; direct responses),
pilot/pkg/networking/core/httproute.go (catch-all virtual host), pilot/pkg/model/
virtualservice.go (delegates: the root rule's match and the delegate's ANDed, one level).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .. import hosts
from ..config import exports
from ..config.matching import HttpMatch, MatchContext
from ..config.meshconfig import REGISTRY_ONLY
from ..config.objects import ConfigKey
from ..config.routes import NO_RETRIES, Destination, Mirror, RedirectSpec, WeightedDestination
from ..config.services import is_http
from ..config.virtualservices import HttpRoute, VirtualService
from ..exchanges import HttpRequest
from ..view import MeshView
from .outcomes import (
    BlackHole,
    DirectResponse,
    NoRoute,
    PassThrough,
    Redirect,
    Routed,
    RouteOutcome,
)
from .proxies import MESH_GATEWAY, Proxy, Scope, scope_of
from .vhosts import sidecar_virtual_host


def route_http(
    view: MeshView,
    proxy: Proxy | None,
    request: HttpRequest,
    port: int,
    claims: Mapping[str, Any] | None = None,
) -> RouteOutcome:
    """What `proxy` does with `request` sent to listener `port`. `claims` are the request's
    verified JWT claims (for `@request.auth.claims` matches), None without a valid token.

    `proxy` None = no proxy: the client connects where DNS sent it (PassThrough of the Host).
    A gateway proxy routes through its Gateway servers (`meshcert.mesh.gateways`).
    """
    if proxy is None:
        return PassThrough(hosts.strip_port(request.authority), port, cluster="")
    if proxy.is_gateway:
        from ..gateways import gateway_route

        return gateway_route(view, proxy.workload, request, port, claims)
    if proxy.is_waypoint:
        from .waypoints import waypoint_route

        return waypoint_route(view, proxy, request, port, claims)
    table = view.memos.get(("px", proxy.namespace, proxy.workload.name))
    if table is None:
        table = view.remember(("px", proxy.namespace, proxy.workload.name), {})
    entry = table.get((request.authority, port))
    if entry is None:
        entry = table[(request.authority, port)] = _prepare(view, proxy, request.authority, port)
    if isinstance(entry, tuple):
        vs, ctx, hostname = entry
        outcome = evaluate(view, vs, request, ctx, proxy.namespace, hostname, claims)
        return outcome if outcome is not None else NoRoute(virtual_service=vs.key)
    fixed: RouteOutcome = entry  # (not typing.cast: a call on every request)
    return fixed


def _prepare(
    view: MeshView, proxy: Proxy, authority: str, port: int
) -> RouteOutcome | tuple[VirtualService, MatchContext, str]:
    """What does not depend on the request beyond its Host: a fixed outcome, or the
    VirtualService to evaluate with its match context."""
    scope = scope_of(view, proxy)
    host = hosts.strip_port(authority).lower()
    vhost = sidecar_virtual_host(view, proxy, scope, host, port)
    if vhost is None:
        if port not in http_listener_ports(view, proxy, scope):
            # no 0.0.0.0:port HTTP listener: the virtualOutbound listener (15001) takes the
            # connection and its TCP proxy passes it through or drops it
            if scope.outbound_policy == REGISTRY_ONLY:
                return BlackHole(opaque=True)
            if scope.egress_proxy is not None:  # the catch-all TCP proxy's cluster too
                caught = catch_all(scope, host, port)
                assert isinstance(caught, Routed)
                return replace(caught, route_name="", opaque=True)
            return PassThrough(host, port, opaque=True)
        return catch_all(scope, host, port)
    if vhost.opaque:
        from .tcp import route_tcp_service

        assert vhost.service is not None
        tcp = route_tcp_service(view, proxy, scope, vhost.service, port, None, "")
        return Routed(
            tcp.destinations,
            retries=NO_RETRIES,
            route_name="",
            virtual_service=tcp.virtual_service,
            host=vhost.hostname,
            opaque=True,
        )
    if vhost.virtual_service is None:
        assert vhost.service is not None
        return default_route(view, vhost.service.hostname, port)
    ctx = MatchContext(port, proxy.labels, proxy.namespace, MESH_GATEWAY)
    return (vhost.virtual_service, ctx, vhost.hostname)


def http_listener_ports(view: MeshView, proxy: Proxy, scope: Scope) -> frozenset[int]:
    """The ports a sidecar has a wildcard HTTP listener on: those of the services it imports
    whose protocol is HTTP-like or unknown (sniffed), the listeners whose route configuration
    holds the `allow_any` / `block_all` virtual host (pilot/pkg/networking/core/
    listener.go buildSidecarOutboundListeners; TCP service ports get per-address listeners)."""
    key = ("http-listener-ports", proxy.namespace, proxy.workload.name)
    found = view.memos.get(key)
    if found is None:
        found = frozenset(
            p.port
            for svc in view.visible_services(scope.namespace)
            for p in svc.ports
            if is_http(p.protocol) and scope.imports(svc.namespace, svc.hostname, p.port)
        )
        view.remember(key, found)
    assert isinstance(found, frozenset)
    return found


def catch_all(scope: Scope, host: str, port: int) -> PassThrough | BlackHole | Routed:
    """The virtual host for unknown hosts: PassthroughCluster (ALLOW_ANY), the Sidecar's
    `outboundTrafficPolicy.egressProxy` when set (ALLOW_ANY only; route `allow_any`, no
    timeout), or block_all (REGISTRY_ONLY)."""
    if scope.outbound_policy == REGISTRY_ONLY:
        return BlackHole()
    if scope.egress_proxy is not None:
        dest = scope.egress_proxy
        if dest.port is None:
            dest = replace(dest, port=port)
        return Routed(
            (WeightedDestination(dest, 100),),
            retries=NO_RETRIES,
            route_name="allow_any",
            host=host,
        )
    return PassThrough(host, port)


def default_route(view: MeshView, hostname: str, port: int) -> Routed:
    """The route of a service without a VirtualService: all to `outbound|port||host`, no
    timeout, the mesh's default retry policy (BuildDefaultHTTPOutboundRoute)."""
    key = ("default-route", hostname, port)
    found = view.memos.get(key)
    if found is None:
        found = view.remember(
            key,
            Routed(
                (WeightedDestination(Destination(hostname, None, port), 100),),
                retries=view.default_retries,
                route_name="default",
                host=hostname,
            ),
        )
    assert isinstance(found, Routed)
    return found


def evaluate(
    view: MeshView,
    vs: VirtualService,
    request: HttpRequest,
    ctx: MatchContext,
    client_namespace: str,
    hostname: str,
    claims: Mapping[str, Any] | None = None,
) -> RouteOutcome | None:
    """The outcome of the first http rule of `vs` that matches, or None."""
    for rule in vs.http:
        hit: HttpMatch | None = None
        if rule.matches:
            hit = next((m for m in rule.matches if m.matches(request, ctx, claims)), None)
            if hit is None:
                continue
        if rule.delegate is not None:
            delegate = view.delegate(*rule.delegate)
            if delegate is None or not exports.visible(
                delegate.export_to, delegate.namespace, vs.namespace
            ):
                continue
            for drule in delegate.http:
                dhit: HttpMatch | None = None
                if drule.matches:
                    dhit = next((m for m in drule.matches if m.matches(request, ctx, claims)), None)
                    if dhit is None:
                        continue
                return outcome_of(
                    view,
                    delegate,
                    drule,
                    dhit or hit,
                    request,
                    ctx.port,
                    client_namespace,
                    hostname,
                    root=vs,
                )
            continue
        return outcome_of(view, vs, rule, hit, request, ctx.port, client_namespace, hostname)
    return None


def resolve_port(
    view: MeshView, destination: Destination, listener_port: int, client_namespace: str
) -> Destination:
    """GetDestinationCluster's port: the destination's, else the service's only port, else
    the listener port."""
    if destination.port is not None:
        return destination
    svc = view.service_for(destination.host, client_namespace)
    if svc is not None and len(svc.ports) == 1:
        return replace(destination, port=svc.ports[0].port)
    return replace(destination, port=listener_port)


def outcome_of(
    view: MeshView,
    vs: VirtualService,
    rule: HttpRoute,
    hit: HttpMatch | None,
    request: HttpRequest,
    port: int,
    client_namespace: str,
    hostname: str,
    root: VirtualService | None = None,
    tls: bool = False,
) -> RouteOutcome:
    name = rule.name
    if hit is not None and hit.name:
        name = f"{name}.{hit.name}"
    key = (root or vs).key
    if rule.redirect is not None:
        return Redirect(
            rule.redirect.status,
            location(rule.redirect, request, port, tls),
            name,
            key,
            rule.response_headers,
        )
    if rule.direct_status is not None:
        return DirectResponse(
            rule.direct_status, rule.direct_body, name, key, rule.response_headers
        )
    memo_key = ("routed", id(vs), rule.index, id(hit), port, client_namespace, hostname, id(root))
    routed = view.memos.get(memo_key)
    if routed is None:
        routed = view.remember(
            memo_key,
            _routed(view, rule, hit, port, client_namespace, hostname, name, (root or vs).key),
        )
    assert isinstance(routed, Routed)
    if hit is not None and hit.uri is not None and hit.uri.kind == "prefix" and hit.uri.ignore_case:
        return replace(routed, matched_prefix=request.uri_path[: len(hit.uri.value)])
    return routed


def _routed(
    view: MeshView,
    rule: HttpRoute,
    hit: HttpMatch | None,
    port: int,
    client_namespace: str,
    hostname: str,
    name: str,
    key: ConfigKey,
) -> Routed:
    destinations = tuple(
        replace(d, destination=resolve_port(view, d.destination, port, client_namespace))
        for d in rule.destinations
    )
    mirrors = tuple(
        Mirror(resolve_port(view, m.destination, port, client_namespace), m.percentage)
        for m in rule.mirrors
    )
    prefix: str | None
    if hit is None or hit.uri is None:
        prefix = "/"
    elif hit.uri.kind == "prefix":
        prefix = hit.uri.value
    else:
        prefix = None
    return Routed(
        destinations,
        timeout=rule.timeout,
        retries=rule.retries if rule.retries is not None else view.default_retries,
        fault=rule.fault,
        mirrors=mirrors,
        rewrite=rule.rewrite,
        request_headers=rule.request_headers,
        response_headers=rule.response_headers,
        route_name=name,
        virtual_service=key,
        host=hostname,
        matched_prefix=prefix,
    )


def location(spec: RedirectSpec, request: HttpRequest, port: int, tls: bool = False) -> str:
    """The Location of a redirect (route.go ApplyRedirect; Envoy's RedirectAction): scheme,
    authority, port (`port`, or derivePort FROM_REQUEST_PORT = the listener port; never an
    explicit :80 for http or :443 for https) and path (uri replaces the path; the query is
    kept)."""
    scheme = spec.scheme or request.scheme
    authority = spec.authority or request.authority
    redirect_port: int | None = None
    if spec.port is not None or spec.derive_port:
        if spec.port is not None:
            redirect_port = spec.port
        elif spec.derive_port == "FROM_REQUEST_PORT":
            redirect_port = port
        base_scheme = spec.scheme or ("https" if tls else "http")
        if (redirect_port == 80 and base_scheme == "http") or (
            redirect_port == 443 and base_scheme == "https"
        ):
            redirect_port = None
            authority = hosts.strip_port(authority)
    if redirect_port is not None:
        authority = f"{hosts.strip_port(authority)}:{redirect_port}"
    elif spec.scheme and spec.scheme != request.scheme:
        bare = hosts.strip_port(authority)
        default = "80" if request.scheme == "http" else "443"
        if authority.endswith(":" + default) and bare != authority:
            authority = bare
    path = request.path
    if spec.uri is not None:
        query = request.query
        path = spec.uri if ("?" in spec.uri or not query) else f"{spec.uri}?{query}"
    return f"{scheme}://{authority}{path}"


__all__ = [
    "catch_all",
    "default_route",
    "evaluate",
    "location",
    "outcome_of",
    "resolve_port",
    "route_http",
]
