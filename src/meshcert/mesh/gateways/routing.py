"""How a gateway proxy routes.

Sources: pilot/pkg/networking/core/gateway.go (buildGatewayHTTPRouteConfig: servers of the
port; a VirtualService attaches when it lists the Gateway, is visible to the gateway's
namespace, its namespace fits the server host's `ns/` part and its hosts intersect the server
hosts; the virtual host domain is the more specific of the two; routes of several
VirtualServices for one host are concatenated in creation order with catch-all routes moved
last; no virtual host = 404; `httpsRedirect` answers 301 to https), gateway.proto (server hosts
`[ns/]dnsName`, `*/` default, `./` the Gateway's namespace; tls modes), tls.go (TLS PASSTHROUGH
routes on SNI with tls rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import hosts
from ..config import exports
from ..config.destinationrules import Gateway, Server
from ..config.matching import MatchContext
from ..config.virtualservices import HttpRoute, VirtualService
from ..config.workloads import Workload, selects
from ..exchanges import HttpRequest
from ..routing.http import outcome_of
from ..routing.outcomes import (
    NoListener,
    NoRoute,
    Redirect,
    RouteOutcome,
    TcpOutcome,
)
from ..routing.tcp import match_l4
from ..view import MeshView


@dataclass(frozen=True)
class BoundServer:
    gateway: Gateway
    server: Server


@dataclass(frozen=True)
class GatewayRoute:
    """One route of a gateway virtual host: the VirtualService, its rule and the gateway
    (`ns/name`) it was bound through."""

    virtual_service: VirtualService
    rule: HttpRoute
    gateway: str


def gateway_servers(view: MeshView, workload: Workload, port: int) -> tuple[BoundServer, ...]:
    """The servers of the Gateways selecting `workload` that listen on `port` (the server
    port number, i.e. the gateway Service port; the Service's targetPort or nodePort for it
    is accepted too)."""
    key = ("gw-servers", workload.namespace, workload.name, port)
    found = view.memo(key)
    if found is not None:
        assert isinstance(found, tuple)
        return found
    ports = {port} | _service_ports_for_target(view, workload, port)
    out = tuple(
        BoundServer(g, s)
        for g in view.gateways_for(workload)
        for s in g.servers
        if s.port in ports or (s.target_port is not None and s.target_port == port)
    )
    view.remember(key, out)
    return out


def _service_ports_for_target(view: MeshView, workload: Workload, target: int) -> set[int]:
    out: set[int] = set()
    for svc in view.services:
        if svc.namespace != workload.namespace or not svc.selector:
            continue
        if not selects(svc.selector, workload.labels):
            continue
        for p in svc.ports:
            if (
                p.target_port == target
                or (p.target_port is None and p.port == target)
                or p.node_port == target
            ):
                out.add(p.port)
    return out


def _attaches(vs: VirtualService, server_hosts: tuple[tuple[str, str], ...]) -> list[str]:
    """The virtual host domains `vs` gets on a server: for each VS host intersecting a server
    host whose namespace part admits the VS's namespace, the more specific of the two."""
    out: list[str] = []
    for ns, shost in server_hosts:
        if ns not in ("*", vs.namespace):
            continue
        for vhost in vs.hosts:
            if hosts.matches(shost, vhost):
                out.append(vhost)
            elif hosts.matches(vhost, shost):
                out.append(shost)
    return out


def _vhosts(
    view: MeshView, workload: Workload, port: int, servers: tuple[BoundServer, ...]
) -> dict[str, list[GatewayRoute]]:
    key = ("gw-vhosts", workload.namespace, workload.name, port)
    found = view.memo(key)
    if found is not None:
        assert isinstance(found, dict)
        return found
    table: dict[str, list[GatewayRoute]] = {}
    seen: set[tuple[str, object]] = set()
    for bound in servers:
        if not (bound.server.is_http or bound.server.protocol == "HTTPS"):
            continue
        ref = bound.gateway.ref
        for vs in view.virtual_services_bound_to(ref):
            if not exports.visible(vs.export_to, vs.namespace, workload.namespace):
                continue
            for domain in _attaches(vs, bound.server.hosts):
                if (domain, vs.key) in seen:
                    continue
                seen.add((domain, vs.key))
                routes = table.setdefault(domain, [])
                routes.extend(GatewayRoute(vs, rule, ref) for rule in vs.http)
    for domain, routes in table.items():
        # Stable: creation order kept (the view is sorted), catch-alls moved last.
        table[domain] = [r for r in routes if not r.rule.catch_all] + [
            r for r in routes if r.rule.catch_all
        ]
    view.remember(key, table)
    return table


def _lookup(
    table: dict[str, list[GatewayRoute]], host: str
) -> tuple[str, list[GatewayRoute]] | None:
    if host in table:
        return host, table[host]
    for pattern in hosts.wildcard_keys(host):
        if pattern in table:
            return pattern, table[pattern]
    return None


def gateway_route(
    view: MeshView,
    workload: Workload,
    request: HttpRequest,
    port: int,
    claims: Mapping[str, Any] | None = None,
) -> RouteOutcome:
    """What the gateway `workload` does with `request` arriving on `port` (`claims`: the
    verified JWT claims for `@request.auth.claims` matches)."""
    servers = gateway_servers(view, workload, port)
    if not servers:
        return NoListener(port)
    host = hosts.strip_port(request.authority).lower()
    for bound in servers:
        tls = bound.server.tls or {}
        if (
            bound.server.is_http
            and tls.get("httpsRedirect")
            and request.scheme == "http"
            and any(hosts.matches(h, host) for _, h in bound.server.hosts)
        ):
            return Redirect(301, f"https://{host}{request.path}", "", None)
    table = _vhosts(view, workload, port, servers)
    found = _lookup(table, host)
    if found is None:
        return NoRoute()
    domain, routes = found
    is_tls = any(b.server.protocol == "HTTPS" for b in servers)
    for entry in routes:
        ctx = MatchContext(port, workload.labels, workload.namespace, entry.gateway)
        rule = entry.rule
        hit = None
        if rule.matches:
            hit = next((m for m in rule.matches if m.matches(request, ctx, claims)), None)
            if hit is None:
                continue
        if rule.delegate is not None:
            delegate = view.delegate(*rule.delegate)
            if delegate is None:
                continue
            for drule in delegate.http:
                dhit = None
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
                    port,
                    workload.namespace,
                    domain,
                    root=entry.virtual_service,
                    tls=is_tls,
                )
            continue
        return outcome_of(
            view,
            entry.virtual_service,
            rule,
            hit,
            request,
            port,
            workload.namespace,
            domain,
            tls=is_tls,
        )
    return NoRoute(virtual_service=routes[0].virtual_service.key if routes else None)


def gateway_route_tcp(
    view: MeshView, workload: Workload, address: str, port: int, sni: str | None = None
) -> TcpOutcome:
    """A TCP server or a TLS PASSTHROUGH server of the gateway: the first VirtualService
    tls rule (on SNI) or tcp rule bound to it. No match closes the connection (BlackHole)."""
    from ..routing.outcomes import BlackHole

    servers = gateway_servers(view, workload, port)
    if not servers:
        return NoListener(port)
    for bound in servers:
        server = bound.server
        passthrough = (server.tls or {}).get("mode") in ("PASSTHROUGH", "AUTO_PASSTHROUGH")
        if server.is_http or (server.protocol == "HTTPS" and not passthrough):
            continue
        if (
            sni
            and server.protocol in ("TLS", "HTTPS")
            and not any(hosts.matches(h, sni.lower()) for _, h in server.hosts)
        ):
            continue
        ref = bound.gateway.ref
        ctx = MatchContext(port, workload.labels, workload.namespace, ref)
        for vs in view.virtual_services_bound_to(ref):
            if not exports.visible(vs.export_to, vs.namespace, workload.namespace):
                continue
            if not _attaches(vs, server.hosts):
                continue
            routed = match_l4(view, vs, address, sni, ctx, workload.namespace, sni or "")
            if routed is not None:
                return routed
    return BlackHole()


__all__ = ["BoundServer", "GatewayRoute", "gateway_route", "gateway_route_tcp", "gateway_servers"]
