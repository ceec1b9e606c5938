"""TCP and TLS routing on a sidecar: which service a connection reaches (by VIP, or by SNI
for TLS), and the VirtualService tls / tcp rule that sends it on.

Sources: pilot/pkg/networking/core/networkfilter.go and tls.go (buildSidecarOutboundTLS/TCP
filter chain options: tls rules match sniHosts, destinationSubnets, port, sourceLabels and
gateways; tcp rules destinationSubnets, port, sourceLabels, gateways, sourceNamespace; first
match wins; no match = the service's own cluster), httproute.go (catch-all: Passthrough or
BlackHole by outboundTrafficPolicy).
"""

from __future__ import annotations

from dataclasses import replace

from .. import hosts
from ..config import exports
from ..config.matching import MatchContext
from ..config.routes import Destination, WeightedDestination
from ..config.services import SERVICE_ENTRY, Service, is_http
from ..config.virtualservices import L4Route, VirtualService
from ..view import MeshView
from .http import catch_all, resolve_port
from .outcomes import PassThrough, Routed, TcpOutcome, TcpRouted
from .proxies import MESH_GATEWAY, Proxy, Scope, scope_of
from .vhosts import candidate_names, claiming


def route_tcp(
    view: MeshView, proxy: Proxy | None, address: str, port: int, sni: str | None = None
) -> TcpOutcome:
    """Where `proxy` sends a TCP connection to `address:port` (`sni` for TLS: the server
    name the client sends). `proxy` None: straight to the address."""
    if proxy is None:
        return PassThrough(address, port, cluster="")
    if proxy.is_gateway:
        from ..gateways import gateway_route_tcp

        return gateway_route_tcp(view, proxy.workload, address, port, sni)
    scope = scope_of(view, proxy)
    service = _service(view, scope, proxy, address, port, sni)
    if service is None:
        fallback = catch_all(scope, sni or address, port)
        if isinstance(fallback, Routed):
            return TcpRouted(fallback.destinations, None, fallback.host)
        return fallback
    return route_tcp_service(view, proxy, scope, service, port, sni, address)


def _service(
    view: MeshView, scope: Scope, proxy: Proxy, address: str, port: int, sni: str | None
) -> Service | None:
    for svc in view.services_for_address(address):
        if (
            exports.visible(svc.export_to, svc.namespace, scope.namespace)
            and scope.imports(svc.namespace, svc.hostname, port)
            and svc.port(port) is not None
        ):
            return svc
    names = [sni] if sni else ([] if hosts.is_ip(address) else [address])
    for name in names:
        for candidate in candidate_names(name, proxy.namespace):
            found = view.service_for(candidate, scope.namespace)
            if (
                found is not None
                and scope.imports(found.namespace, found.hostname, port)
                and found.port(port) is not None
            ):
                return found
    # A TCP ServiceEntry without addresses listens on 0.0.0.0:<port>: it takes every
    # connection on the port (listener.go, wildcard listener of a service without a VIP).
    for svc in _addressless_tcp(view, port):
        if exports.visible(svc.export_to, svc.namespace, scope.namespace) and scope.imports(
            svc.namespace, svc.hostname, port
        ):
            return svc
    return None


def _addressless_tcp(view: MeshView, port: int) -> tuple[Service, ...]:
    key = ("addressless-tcp", port)
    found = view.memo(key)
    if found is None:
        found = view.remember(
            key,
            tuple(
                svc
                for svc in view.services
                if svc.origin == SERVICE_ENTRY
                and not svc.addresses
                and svc.resolution == "NONE"
                and (p := svc.port(port)) is not None
                and not is_http(p.protocol)
                and p.protocol not in ("TLS", "HTTPS")
            ),
        )
    assert isinstance(found, tuple)
    return found


def route_tcp_service(
    view: MeshView,
    proxy: Proxy,
    scope: Scope,
    service: Service,
    port: int,
    sni: str | None,
    address: str,
) -> TcpRouted:
    """The tls / tcp rule for a connection to `service` on `port`, else the service itself."""
    ctx = MatchContext(port, proxy.labels, proxy.namespace, MESH_GATEWAY)

    def accept(vs: object) -> bool:
        return isinstance(vs, VirtualService) and bool(vs.tcp or vs.tls)

    vs = claiming(view, scope, MESH_GATEWAY, service.hostname, accept, port)
    if vs is not None:
        routed = match_l4(view, vs, address, sni, ctx, proxy.namespace, service.hostname)
        if routed is not None:
            return routed
    dest = WeightedDestination(Destination(service.hostname, None, port), 100)
    return TcpRouted((dest,), None, service.hostname)


def match_l4(
    view: MeshView,
    vs: VirtualService,
    address: str,
    sni: str | None,
    ctx: MatchContext,
    client_namespace: str,
    hostname: str,
) -> TcpRouted | None:
    """The first tls rule (when there is an SNI) or tcp rule of `vs` that matches."""
    rules: tuple[L4Route, ...] = (vs.tls if sni else ()) + vs.tcp
    for rule in rules:
        if rule.matches and not any(m.matches(address, sni, ctx) for m in rule.matches):
            continue
        if not rule.destinations:
            continue
        return TcpRouted(
            tuple(
                replace(
                    d,
                    destination=resolve_port(view, d.destination, ctx.port, client_namespace),
                )
                for d in rule.destinations
            ),
            vs.key,
            hostname,
        )
    return None


__all__ = ["match_l4", "route_tcp", "route_tcp_service"]
