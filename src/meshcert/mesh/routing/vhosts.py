"""Which virtual host a sidecar's outbound route configuration has for a host and port: the
service (Kubernetes or ServiceEntry) the Host header names and the VirtualService that claims it.

Sources: pilot/pkg/networking/core/httproute.go (BuildSidecarOutboundVirtualHosts: services of
the listener port only; VirtualServices without a matching service only on port 80; domains are
the hostname, its short forms in the cluster domain and the VIPs, the port ignored; a domain
already taken is dropped, so the first VirtualService claims a host),
pilot/pkg/networking/core/route/route.go (a VirtualService whose rules all fail the proxy's
sourceLabels / port / gateways builds no virtual host, leaving the service's default one;
exact hosts before the most specific wildcard), pilot/pkg/model/push_context.go
(VirtualServicesForGateway: client-namespace private, then exported to the namespace, then
public; each by creation time).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import hosts
from ..config import exports
from ..config.matching import MatchContext
from ..config.objects import age_key
from ..config.services import Service, is_http
from ..config.virtualservices import VirtualService
from ..view import MeshView
from .proxies import MESH_GATEWAY, Proxy, Scope


@dataclass(frozen=True)
class VirtualHost:
    """A virtual host of the route configuration: the service behind it (None for a
    VirtualService host outside the registry, port 80 only), the claiming VirtualService
    (None = the default route) and whether the service port is opaque TCP."""

    hostname: str
    service: Service | None
    virtual_service: VirtualService | None
    opaque: bool = False


def candidate_names(host: str, namespace: str) -> Iterator[str]:
    """The FQDNs a Host header can stand for from `namespace` (GenerateAltVirtualHosts:
    `foo` in the proxy's namespace, `foo.ns`, `foo.ns.svc`)."""
    host = host.lower().rstrip(".")
    suffix = hosts.DOMAIN_SUFFIX
    if "." not in host:
        yield f"{host}.{namespace}.svc.{suffix}"
        return
    yield host
    parts = host.split(".")
    if len(parts) == 2:
        yield f"{host}.svc.{suffix}"
    elif len(parts) == 3 and parts[2] == "svc":
        yield f"{host}.{suffix}"


def claim_class(vs: VirtualService, namespace: str) -> int:
    if "." in vs.export_to and vs.namespace == namespace:
        return 0
    if namespace in vs.export_to:
        return 1
    return 2


def has_routes(vs: VirtualService, ctx: MatchContext) -> bool:
    """Whether any http rule survives the proxy-level conditions (port, gateways,
    sourceLabels, sourceNamespace)."""
    return any(not rule.matches or any(m.binds(ctx) for m in rule.matches) for rule in vs.http)


def claiming(
    view: MeshView,
    scope: Scope,
    gateway: str,
    hostname: str,
    accept: object = None,
    port: int | None = None,
) -> VirtualService | None:
    """The VirtualService bound to `gateway` that claims `hostname` for a proxy of
    `scope.namespace`: exact hosts first, then the most specific wildcard; within one pattern
    private, exported, public, oldest first. `accept(vs)` filters further (routes present)."""
    ns = scope.namespace
    for pattern in (hostname, *hosts.wildcard_keys(hostname)):
        group = view.virtual_services_for(gateway, pattern)
        if not group:
            continue
        chosen: VirtualService | None = None
        best: tuple[int, tuple[str, str, str]] | None = None
        for vs in group:
            if not exports.visible(vs.export_to, vs.namespace, ns):
                continue
            if not scope.imports(vs.namespace, pattern, port):
                continue
            if callable(accept) and not accept(vs):
                continue
            rank = (claim_class(vs, ns), age_key(vs.created, vs.key))
            if best is None or rank < best:
                best, chosen = rank, vs
        if chosen is not None:
            return chosen
    return None


def visible_service(view: MeshView, scope: Scope, name: str, port: int) -> Service | None:
    svc = view.service_for(name, scope.namespace)
    if svc is None or not scope.imports(svc.namespace, svc.hostname, port):
        return None
    return svc if svc.port(port) is not None else None


def sidecar_virtual_host(
    view: MeshView, proxy: Proxy, scope: Scope, host: str, port: int
) -> VirtualHost | None:
    """The virtual host serving `host` (Host header without port) on listener `port`."""
    key = ("vhost", proxy.namespace, proxy.workload.name, host, port)
    found = view.memo(key)
    if found is not None:
        return found if isinstance(found, VirtualHost) else None
    result = _find(view, proxy, scope, host.lower(), port)
    view.remember(key, result if result is not None else False)
    return result


def _find(view: MeshView, proxy: Proxy, scope: Scope, host: str, port: int) -> VirtualHost | None:
    ctx = MatchContext(port, proxy.labels, proxy.namespace, MESH_GATEWAY)

    def accept(vs: object) -> bool:
        return isinstance(vs, VirtualService) and has_routes(vs, ctx)

    service: Service | None = None
    if hosts.is_ip(host):
        for svc in view.services_for_address(host):
            if (
                exports.visible(svc.export_to, svc.namespace, scope.namespace)
                and scope.imports(svc.namespace, svc.hostname, port)
                and svc.port(port) is not None
            ):
                service = svc
                break
    else:
        for name in candidate_names(host, proxy.namespace):
            service = visible_service(view, scope, name, port)
            if service is not None:
                break
    if service is not None:
        sp = service.port(port)
        assert sp is not None
        if not is_http(sp.protocol):
            return VirtualHost(service.hostname, service, None, opaque=True)
        name = service.hostname
        vs = claiming(view, scope, MESH_GATEWAY, name, accept, port)
        return VirtualHost(name, service, vs)
    if port == 80 and not hosts.is_ip(host):
        # A VirtualService host outside the port's services gets one domain: the host as
        # resolved in the VirtualService, with no short forms.
        vs = claiming(view, scope, MESH_GATEWAY, host, accept, port)
        if vs is not None:
            return VirtualHost(host, None, vs)
    return None


__all__ = [
    "VirtualHost",
    "candidate_names",
    "claim_class",
    "claiming",
    "has_routes",
    "sidecar_virtual_host",
    "visible_service",
]
