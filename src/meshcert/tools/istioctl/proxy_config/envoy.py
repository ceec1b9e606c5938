"""The Envoy configuration a proxy holds, synthesized from the configuration its revision last
pushed (`view_for_proxy`): clusters, listeners, route tables, endpoints and secrets, in the
shapes `istioctl proxy-config` prints (istioctl/pkg/writer/envoy/configdump).

Sources for the shapes: pilot/pkg/networking/core (cluster_builder.go: `outbound|P|S|H`,
`inbound|P||`, BlackHoleCluster / PassthroughCluster / InboundPassthroughCluster;
listener.go: `0.0.0.0_P` HTTP listeners, `ADDR_P` TCP listeners, virtualOutbound 15001,
virtualInbound 15006; httproute.go: route tables named by port, virtual hosts `host:port`
with the alternative names as domains, route metadata naming the VirtualService) and the
bootstrap template (tools/packaging/common/envoy_bootstrap.json: agent, prometheus_stats,
sds-grpc, xds-grpc static clusters; listeners 15021 and 15090).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from meshcert.mesh import hosts
from meshcert.mesh.config.destinationrules import Gateway, Server
from meshcert.mesh.config.matching import HttpMatch
from meshcert.mesh.config.objects import ConfigKey
from meshcert.mesh.config.services import Endpoint, Service, is_http
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.destinations import cluster_name, destination_rule_for
from meshcert.mesh.gateways.routing import GatewayRoute, gateway_route_tcp, gateway_servers
from meshcert.mesh.gateways.routing import _vhosts as gateway_vhosts
from meshcert.mesh.gateways.tls import PASSTHROUGH_MODES
from meshcert.mesh.internet import resolve_public
from meshcert.mesh.routing.outcomes import TcpRouted
from meshcert.mesh.routing.proxies import Proxy, Scope, scope_of
from meshcert.mesh.routing.vhosts import sidecar_virtual_host
from meshcert.mesh.view import MeshView

# static clusters of the bootstrap and of istiod's CDS for every sidecar
STATIC_CLUSTERS = (
    ("BlackHoleCluster", "STATIC"),
    ("agent", "STATIC"),
    ("prometheus_stats", "STATIC"),
    ("sds-grpc", "STATIC"),
    ("xds-grpc", "STATIC"),
)
SIDECAR_PASSTHROUGH = (
    ("InboundPassthroughCluster", "ORIGINAL_DST"),
    ("PassthroughCluster", "ORIGINAL_DST"),
)


def config_path(key: ConfigKey, kind: str) -> str:
    """The `istio` filter metadata `config` value istiod sets (util.BuildConfigInfoMetadata)."""
    return f"/apis/networking.istio.io/v1alpha3/namespaces/{key.namespace}/{kind}/{key.name}"


@dataclass(frozen=True)
class Cluster:
    name: str
    type: str
    destination_rule: ConfigKey | None = None
    service: Service | None = None
    port: int = 0
    subset_labels: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Route:
    match: str  # describeMatch's text: `/*`, `/login`, `regex ...`
    prefix: str | None
    path: str | None
    regex: str | None
    cluster: str
    virtual_service: ConfigKey | None = None
    direct_status: int | None = None


@dataclass(frozen=True)
class VirtualHost:
    name: str
    domains: tuple[str, ...]
    routes: tuple[Route, ...]


@dataclass(frozen=True)
class RouteConfig:
    name: str
    virtual_hosts: tuple[VirtualHost, ...]
    static: bool = False


@dataclass(frozen=True)
class FilterChain:
    match: str  # the MATCH column
    destination: str  # the DESTINATION column
    route: str = ""
    cluster: str = ""


@dataclass(frozen=True)
class Listener:
    name: str
    address: str
    port: int
    chains: tuple[FilterChain, ...]
    static: bool = False


@dataclass
class EnvoyConfig:
    proxy: Proxy
    view: MeshView
    clusters: list[Cluster] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    routes: list[RouteConfig] = field(default_factory=list)


def _cluster_type(svc: Service) -> str:
    if svc.external_name or svc.resolution == "DNS":
        return "STRICT_DNS"
    if svc.resolution == "DNS_ROUND_ROBIN":
        return "LOGICAL_DNS"
    if svc.headless or (svc.resolution == "NONE" and not svc.static_endpoints):
        return "ORIGINAL_DST"
    return "EDS"


def imported_ports(view: MeshView, proxy: Proxy, scope: Scope) -> list[tuple[Service, int]]:
    out = []
    for svc in view.visible_services(scope.namespace):
        for p in svc.ports:
            if proxy.is_gateway or scope.imports(svc.namespace, svc.hostname, p.port):
                out.append((svc, p.port))
    return out


def inbound_ports(view: MeshView, workload: Workload) -> list[int]:
    """The target ports of the services selecting `workload` (one inbound cluster each)."""
    ports: set[int] = set()
    for svc in view.services:
        if svc.namespace != workload.namespace or not svc.selector:
            continue
        for p in svc.ports:
            for ep in view.endpoints(svc, p.port):
                if ep.workload is not None and ep.workload.key == workload.key:
                    ports.add(ep.port)
    return sorted(ports)


def build(view: MeshView, proxy: Proxy) -> EnvoyConfig:
    scope = scope_of(view, proxy)
    cfg = EnvoyConfig(proxy, view)
    services = imported_ports(view, proxy, scope)
    for svc, port in services:
        rule = destination_rule_for(
            view, proxy.namespace, svc.hostname, svc.namespace, proxy.labels
        )
        key = rule.key if rule is not None else None
        kind = _cluster_type(svc)
        cfg.clusters.append(Cluster(cluster_name(svc.hostname, port), kind, key, svc, port))
        for subset in rule.subsets if rule is not None else ():
            cfg.clusters.append(
                Cluster(
                    cluster_name(svc.hostname, port, subset.name),
                    kind,
                    key,
                    svc,
                    port,
                    subset.labels,
                )
            )
    statics = STATIC_CLUSTERS if proxy.is_gateway else STATIC_CLUSTERS + SIDECAR_PASSTHROUGH
    cfg.clusters += [Cluster(name, kind) for name, kind in statics]
    inbound = [] if proxy.is_gateway else inbound_ports(view, proxy.workload)
    cfg.clusters += [Cluster(f"inbound|{p}||", "ORIGINAL_DST", port=p) for p in inbound]
    if proxy.is_gateway:
        _gateway_listeners_and_routes(cfg)
    else:
        _sidecar_listeners_and_routes(cfg, scope, services, inbound)
    _static_listeners(cfg)
    return cfg


def describe_match(m: HttpMatch | None) -> tuple[str, str | None, str | None, str | None]:
    """(MATCH text, prefix, path, regex) of the Envoy route a VirtualService match becomes
    (route.go describeMatch: headers and other conditions are not shown)."""
    uri = m.uri if m is not None else None
    if uri is None or uri.kind == "present":
        return "/*", "/", None, None
    if uri.kind == "prefix":
        return f"{uri.value}*", uri.value, None, None
    if uri.kind == "exact":
        return uri.value, None, uri.value, None
    return f"regex {uri.value}", None, None, uri.value


def _domains(svc: Service, port: int, namespace: str) -> tuple[str, ...]:
    """Alternative names of `svc` for a client of `namespace` (GenerateAltVirtualHosts), then
    its VIPs; port 80 adds nothing more in Istio 1.26 (no `:port` forms)."""
    host = svc.hostname
    names = [host]
    suffix = ".svc." + hosts.DOMAIN_SUFFIX
    if host.endswith(suffix):
        short = host[: -len(suffix)]  # name.ns
        name, _, ns = short.partition(".")
        if ns == namespace:
            names.append(name)
        names += [f"{short}.svc", short]
    names += list(svc.addresses)
    return tuple(names)


def _service_routes(cfg: EnvoyConfig, scope: Scope, svc: Service, port: int) -> tuple[Route, ...]:
    vhost = sidecar_virtual_host(cfg.view, cfg.proxy, scope, svc.hostname, port)
    vs = vhost.virtual_service if vhost is not None else None
    if vs is None:
        return (Route("/*", "/", None, None, cluster_name(svc.hostname, port)),)
    routes: list[Route] = []
    for rule in vs.http:
        first = rule.destinations[0].destination if rule.destinations else None
        target = (
            cluster_name(first.host, first.port or port, first.subset if first.subset else None)
            if first is not None
            else ""
        )
        for m in rule.matches or (None,):
            text, prefix, path, regex = describe_match(m)
            routes.append(Route(text, prefix, path, regex, target, vs.key, rule.direct_status))
    return tuple(routes)


def _sidecar_listeners_and_routes(
    cfg: EnvoyConfig, scope: Scope, services: list[tuple[Service, int]], inbound: list[int]
) -> None:
    http_ports: dict[int, list[Service]] = {}
    tcp: list[tuple[Service, int]] = []
    for svc, port in services:
        sp = svc.port(port)
        assert sp is not None
        if is_http(sp.protocol):
            http_ports.setdefault(port, []).append(svc)
        else:
            tcp.append((svc, port))
    block = scope.outbound_policy == "REGISTRY_ONLY"
    for port in sorted(http_ports):
        vhosts = [
            VirtualHost(
                f"{svc.hostname}:{port}",
                _domains(svc, port, cfg.proxy.namespace),
                _service_routes(cfg, scope, svc, port),
            )
            for svc in sorted(http_ports[port], key=lambda s: s.hostname)
        ]
        catch = (
            VirtualHost("block_all", ("*",), (Route("/*", "/", None, None, "", None, 502),))
            if block
            else VirtualHost(
                "allow_any", ("*",), (Route("/*", "/", None, None, "PassthroughCluster"),)
            )
        )
        cfg.routes.append(RouteConfig(str(port), (*vhosts, catch)))
        fallback = "BlackHoleCluster" if block else "PassthroughCluster"
        cfg.listeners.append(
            Listener(
                f"0.0.0.0_{port}",
                "0.0.0.0",
                port,
                (
                    FilterChain(
                        "Trans: raw_buffer; App: http/1.1,h2c", f"Route: {port}", route=str(port)
                    ),
                    FilterChain("ALL", fallback, cluster=fallback),
                ),
            )
        )
    tcp_chains: dict[tuple[str, int], list[FilterChain]] = {}
    for svc, port in tcp:
        name = cluster_name(svc.hostname, port)
        sp = svc.port(port)
        tls = sp is not None and sp.protocol in ("TLS", "HTTPS")
        for address in svc.addresses or ("0.0.0.0",):
            # a TLS port without a VIP shares 0.0.0.0_P, one chain per SNI host
            match = f"SNI: {svc.hostname}" if tls and not svc.addresses else "ALL"
            chain = FilterChain(match, f"Cluster: {name}", cluster=name)
            tcp_chains.setdefault((address, port), []).append(chain)
    for (address, port), chains in tcp_chains.items():
        cfg.listeners.append(Listener(f"{address}_{port}", address, port, tuple(chains)))
    fallback = "BlackHoleCluster" if block else "PassthroughCluster"
    cfg.listeners.append(
        Listener(
            "virtualOutbound",
            "0.0.0.0",
            15001,
            (
                FilterChain("ALL", fallback, cluster=fallback),
                FilterChain("Addr: *:15001", "Non-HTTP/Non-TCP"),
            ),
        )
    )
    chains = [FilterChain("Addr: *:15006", "Non-HTTP/Non-TCP")]
    for addr, dest in [("0.0.0.0/0", "InboundPassthroughCluster")] + [
        (f"*:{p}", f"Cluster: inbound|{p}||") for p in inbound
    ]:
        cluster = dest.removeprefix("Cluster: ")
        chains += [
            FilterChain(
                f"Trans: tls; App: istio-http/1.0,istio-http/1.1,istio-h2; Addr: {addr}",
                dest,
                cluster=cluster,
            ),
            FilterChain(
                f"Trans: raw_buffer; App: http/1.1,h2c; Addr: {addr}", dest, cluster=cluster
            ),
            FilterChain(f"Trans: tls; App: TCP TLS; Addr: {addr}", dest, cluster=cluster),
            FilterChain(f"Trans: raw_buffer; Addr: {addr}", dest, cluster=cluster),
            FilterChain(f"Trans: tls; Addr: {addr}", dest, cluster=cluster),
        ]
    cfg.listeners.append(Listener("virtualInbound", "0.0.0.0", 15006, tuple(chains)))
    for p in inbound:
        cfg.routes.append(
            RouteConfig(
                f"inbound|{p}||",
                (
                    VirtualHost(
                        f"inbound|http|{p}",
                        ("*",),
                        (Route("/*", "/", None, None, f"inbound|{p}||"),),
                    ),
                ),
            )
        )
    cfg.routes.append(
        RouteConfig(
            "InboundPassthroughCluster",
            (
                VirtualHost(
                    "inbound|http|0",
                    ("*",),
                    (Route("/*", "/", None, None, "InboundPassthroughCluster"),),
                ),
            ),
        )
    )


def _listening_port(view: MeshView, workload: Workload, port: int) -> int:
    """The port a gateway Envoy listens on for server port `port`: the gateway Service's
    targetPort for it (80 -> 8080 in the shipped charts), else the port itself."""
    for svc in view.services:
        if svc.namespace != workload.namespace or not svc.selector:
            continue
        if not all(workload.labels.get(k) == v for k, v in svc.selector.items()):
            continue
        for p in svc.ports:
            if p.port == port and isinstance(p.target_port, int) and p.target_port:
                return p.target_port
    return port


def _gateway_route(gr: GatewayRoute) -> list[Route]:
    first = gr.rule.destinations[0].destination if gr.rule.destinations else None
    target = (
        cluster_name(first.host, first.port or 0, first.subset or None) if first is not None else ""
    )
    out = []
    for m in gr.rule.matches or (None,):
        text, prefix, path, regex = describe_match(m)
        out.append(
            Route(text, prefix, path, regex, target, gr.virtual_service.key, gr.rule.direct_status)
        )
    return out


def _gateway_listeners_and_routes(cfg: EnvoyConfig) -> None:
    """The Gateways selecting the gateway: plain HTTP servers give listener
    `0.0.0.0_<target>` and route table `http.<target>`; HTTPS servers that terminate TLS a
    filter chain per server (`SNI: hosts`) with route table
    `https.<port>.<port name>.<gateway>.<namespace>`; virtual hosts `<host>:<server port>` per
    attached host (gateway_servers and the gateway virtual hosts of mesh/gateways/routing.py)."""
    view = cfg.view
    workload = cfg.proxy.workload
    http: dict[int, int] = {}
    https: dict[int, list[tuple[Gateway, Server]]] = {}
    opaque: dict[int, list[FilterChain]] = {}  # TCP servers and TLS passthrough
    for gw in view.gateways_for(workload):
        for server in gw.servers:
            target = _listening_port(view, workload, server.port)
            mode = str((server.tls or {}).get("mode") or "SIMPLE")
            if server.is_http and not server.tls:
                http[target] = server.port
            elif server.protocol == "HTTPS" and mode not in PASSTHROUGH_MODES:
                https.setdefault(target, []).append((gw, server))
            elif not server.is_http and mode != "AUTO_PASSTHROUGH":
                opaque.setdefault(target, []).extend(_tcp_chains(cfg, server))
    for target, chains in sorted(opaque.items()):
        if chains:
            cfg.listeners.append(Listener(f"0.0.0.0_{target}", "0.0.0.0", target, tuple(chains)))
    for target, port in sorted(http.items()):
        table = gateway_vhosts(view, workload, port, gateway_servers(view, workload, port))
        name = f"http.{target}"
        vhosts = [
            VirtualHost(
                f"{domain}:{port}",
                (domain,),
                tuple(r for gr in routes for r in _gateway_route(gr)),
            )
            for domain, routes in sorted(table.items())
        ] or [VirtualHost(f"blackhole:{port}", ("*",), ())]
        cfg.routes.append(RouteConfig(name, tuple(vhosts)))
        cfg.listeners.append(
            Listener(
                f"0.0.0.0_{target}",
                "0.0.0.0",
                target,
                (FilterChain("ALL", f"Route: {name}", route=name),),
            )
        )
    for target, bound in sorted(https.items()):
        chains = []
        for gw, server in bound:
            port = server.port
            table = gateway_vhosts(view, workload, port, gateway_servers(view, workload, port))
            name = f"https.{port}.{server.port_name}.{gw.key.name}.{gw.key.namespace}"
            server_hosts = [h for _, h in server.hosts]
            vhosts = [
                VirtualHost(
                    f"{domain}:{port}",
                    (domain,),
                    tuple(r for gr in routes for r in _gateway_route(gr)),
                )
                for domain, routes in sorted(table.items())
                if any(hosts.matches(h, domain) or hosts.matches(domain, h) for h in server_hosts)
            ] or [VirtualHost(f"blackhole:{port}", ("*",), ())]
            cfg.routes.append(RouteConfig(name, tuple(vhosts)))
            sni = ",".join(server_hosts)
            match = "ALL" if sni == "*" else f"SNI: {sni}"
            chains.append(FilterChain(match, f"Route: {name}", route=name))
        cfg.listeners.append(Listener(f"0.0.0.0_{target}", "0.0.0.0", target, tuple(chains)))


def _tcp_chains(cfg: EnvoyConfig, server: Server) -> list[FilterChain]:
    """A TCP server's chain (`ALL`) or a PASSTHROUGH server's chains (one per SNI host) to the
    cluster of the VirtualService `tcp` / `tls` route bound to it (pilot/pkg/networking/core/
    gateway.go buildGatewayNetworkFiltersFromTCPRoutes / FromTLSRoutes); a host no route
    claims gets no chain, as in istiod."""
    passthrough = server.tls is not None
    names = [h for _, h in server.hosts] if passthrough else [""]
    out: list[FilterChain] = []
    for name in names:
        sni = name if name and not name.startswith("*") else None
        routed = gateway_route_tcp(cfg.view, cfg.proxy.workload, "", server.port, sni)
        if not isinstance(routed, TcpRouted) or not routed.destinations:
            continue
        first = routed.destinations[0].destination
        cluster = cluster_name(first.host, first.port or server.port, first.subset or None)
        match = f"SNI: {name}" if passthrough and name != "*" else "ALL"
        out.append(FilterChain(match, f"Cluster: {cluster}", cluster=cluster))
    return out


def _static_listeners(cfg: EnvoyConfig) -> None:
    cfg.listeners.append(
        Listener("", "0.0.0.0", 15021, (FilterChain("ALL", "Inline Route: /healthz/ready*"),), True)
    )
    cfg.listeners.append(
        Listener(
            "", "0.0.0.0", 15090, (FilterChain("ALL", "Inline Route: /stats/prometheus*"),), True
        )
    )
    cfg.routes.append(
        RouteConfig(
            "",
            (
                VirtualHost(
                    "backend",
                    ("*",),
                    (
                        Route(
                            "/stats/prometheus*",
                            "/stats/prometheus",
                            None,
                            None,
                            "prometheus_stats",
                        ),
                    ),
                ),
            ),
            static=True,
        )
    )
    cfg.routes.append(
        RouteConfig(
            "",
            (
                VirtualHost(
                    "backend",
                    ("*",),
                    (Route("/healthz/ready*", "/healthz/ready", None, None, "agent"),),
                ),
            ),
            static=True,
        )
    )


def endpoints_of(cfg: EnvoyConfig, cluster: Cluster) -> tuple[Endpoint, ...]:
    """EDS endpoints; DNS clusters show the address the name resolves to on the simulated
    internet (Envoy lists resolved hosts), or the name when it does not resolve."""
    if cluster.service is None or cluster.type not in ("EDS", "STRICT_DNS", "LOGICAL_DNS"):
        return ()
    found = cfg.view.endpoints(cluster.service, cluster.port, cluster.subset_labels)
    if cluster.type == "EDS":
        return found
    out = []
    for ep in found:
        address = ep.address if hosts.is_ip(ep.address) else resolve_public(ep.address)
        out.append(replace(ep, address=address or ep.address))
    return tuple(out)


__all__ = ["Cluster", "EnvoyConfig", "Listener", "RouteConfig", "build", "config_path"]
