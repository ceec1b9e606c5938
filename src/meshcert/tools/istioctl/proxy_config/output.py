"""Printers of `istioctl proxy-config`: the summaries as istioctl 1.26 prints them
(istioctl/pkg/writer/envoy/configdump: cluster.go, listener.go, route.go, endpoint.go and the
secret writer) and a plausible subset of Envoy's config_dump for `-o json|yaml`."""

from __future__ import annotations

import base64
import re
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509

from meshcert.kube.cluster import Cluster
from meshcert.mesh.gateways.credentials import CA_SUFFIX, load_credential
from meshcert.mesh.install.versions import ISTIO_VERSION
from meshcert.mesh.routing.proxies import Proxy
from meshcert.mesh.security.ca import mesh_ca
from meshcert.mesh.security.certificates import workload_certificate

from ..commands import UsageError
from .envoy import Cluster as EnvoyCluster
from .envoy import EnvoyConfig, Listener, RouteConfig, config_path, endpoints_of
from .tabwriter import tabwrite

# clusters ---------------------------------------------------------------------------------


def _split(name: str) -> tuple[str, str, str, int]:
    """(direction, subset, fqdn, port) as model.ParseSubsetKey; plain names sort by name."""
    parts = name.split("|")
    if len(parts) > 3:
        try:
            port = int(parts[1])
        except ValueError:
            port = 0
        return parts[0], parts[2], parts[3], port
    return "", "", name, 0


def filter_clusters(
    cfg: EnvoyConfig, fqdn: str = "", port: int = 0, subset: str = "", direction: str = ""
) -> list[EnvoyCluster]:
    """ClusterFilter.Verify: substring tests on the cluster name."""
    out = []
    for c in cfg.clusters:
        if fqdn and fqdn not in c.name:
            continue
        if direction and direction not in c.name:
            continue
        if subset and subset not in c.name:
            continue
        if port and f"|{port}|" not in c.name:
            continue
        out.append(c)

    def key(c: EnvoyCluster) -> tuple[str, str, int, str]:
        direction, sub, name, p = _split(c.name)
        return (name, sub, p, direction)

    return sorted(out, key=key)


def cluster_summary(clusters: list[EnvoyCluster]) -> str:
    lines = ["SERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE"]
    for c in clusters:
        dr = str(c.destination_rule) if c.destination_rule is not None else ""
        if len(c.name.split("|")) > 3:
            direction, subset, fqdn, port = _split(c.name)
            lines.append(f"{fqdn}\t{port}\t{subset or '-'}\t{direction}\t{c.type}\t{dr}")
        else:
            lines.append(f"{c.name}\t-\t-\t-\t{c.type}\t{dr}")
    return tabwrite(lines, 5)


def cluster_json(c: EnvoyCluster) -> dict[str, Any]:
    data: dict[str, Any] = {"name": c.name, "type": c.type, "connectTimeout": "10s"}
    if c.type == "EDS":
        data["edsClusterConfig"] = {
            "edsConfig": {"ads": {}, "initialFetchTimeout": "0s", "resourceApiVersion": "V3"},
            "serviceName": c.name,
        }
    if c.type == "ORIGINAL_DST":
        data["lbPolicy"] = "CLUSTER_PROVIDED"
    istio: dict[str, Any] = {}
    if c.service is not None:
        istio["services"] = [
            {"host": c.service.hostname, "name": c.service.name, "namespace": c.service.namespace}
        ]
    if c.destination_rule is not None:
        istio["config"] = config_path(c.destination_rule, "destination-rule")
    if istio:
        data["metadata"] = {"filterMetadata": {"istio": istio}}
    return data


# routes -----------------------------------------------------------------------------------


def sorted_routes(cfg: EnvoyConfig) -> list[RouteConfig]:
    numeric = sorted((r for r in cfg.routes if r.name.isdigit()), key=lambda r: int(r.name))
    return numeric + [r for r in cfg.routes if not r.name.isdigit()]


def _route_domains(domains: tuple[str, ...]) -> str:
    """describeRouteDomains: one domain as is; else those without a port, the expanded forms
    dropped, the first two and `+ N more...`."""
    if not domains:
        return ""
    if len(domains) == 1:
        return domains[0]
    plain = [d for d in domains if ":" not in d or (d.count(":") > 2 and d.endswith("]"))]
    unique = set(plain)
    drop = set()
    for h in plain:
        for suffix in (".svc.cluster.local", ".svc"):
            stripped = h.removesuffix(suffix)
            if stripped != h and stripped in unique:
                drop.add(h)
    kept = [h for h in plain if h not in drop]
    if len(kept) > 2:
        return f"{', '.join(kept[:2])} + {len(kept) - 2} more..."
    return ", ".join(kept)


def route_summary(routes: list[RouteConfig]) -> str:
    lines = ["NAME\tVHOST NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE"]
    for rc in routes:
        for vh in rc.virtual_hosts:
            for r in vh.routes:
                if r.cluster == "PassthroughCluster":
                    continue
                vs = str(r.virtual_service) if r.virtual_service is not None else ""
                lines.append(f"{rc.name}\t{vh.name}\t{_route_domains(vh.domains)}\t{r.match}\t{vs}")
            if not vh.routes:
                lines.append(f"{rc.name}\t{vh.name}\t{_route_domains(vh.domains)}\t/*\t404")
    return tabwrite(lines, 5)


def route_json(rc: RouteConfig) -> dict[str, Any]:
    vhosts = []
    for vh in rc.virtual_hosts:
        routes = []
        for r in vh.routes:
            match: dict[str, Any] = {}
            if r.prefix is not None:
                match["prefix"] = r.prefix
            if r.path is not None:
                match["path"] = r.path
            if r.regex is not None:
                match["safeRegex"] = {"regex": r.regex}
            entry: dict[str, Any] = {"match": match}
            if r.direct_status is not None:
                entry["directResponse"] = {"status": r.direct_status}
            else:
                entry["route"] = {"cluster": r.cluster, "timeout": "0s"}
            if r.virtual_service is not None:
                entry["metadata"] = {
                    "filterMetadata": {
                        "istio": {"config": config_path(r.virtual_service, "virtual-service")}
                    }
                }
            routes.append(entry)
        vhosts.append({"name": vh.name, "domains": list(vh.domains), "routes": routes})
    data: dict[str, Any] = {"name": rc.name, "virtualHosts": vhosts}
    if not rc.static:
        data["validateClusters"] = False
        data["ignorePortInHostMatching"] = True
    return data


# listeners --------------------------------------------------------------------------------


def _listener_type(lst: Listener) -> str:
    http = any(ch.route for ch in lst.chains)
    tcp = any(ch.cluster and ch.cluster != "BlackHoleCluster" for ch in lst.chains)
    if http:
        return "HTTP+TCP" if tcp else "HTTP"
    return "TCP" if tcp else "UNKNOWN"


def filter_listeners(
    cfg: EnvoyConfig, port: int = 0, kind: str = "", address: str = ""
) -> list[Listener]:
    out = [
        x
        for x in cfg.listeners
        if (not port or x.port == port)
        and (not kind or _listener_type(x).lower() == kind.lower())
        and (not address or x.address.lower() == address.lower())
    ]
    return sorted(out, key=lambda x: (x.port, x.address, _listener_type(x)))


def listener_summary(listeners: list[Listener]) -> str:
    lines = ["ADDRESSES\tPORT\tMATCH\tDESTINATION"]
    for x in listeners:
        chains = sorted(x.chains, key=lambda ch: ch.destination, reverse=True)
        for ch in chains:
            lines.append(f"{x.address}\t{x.port}\t{ch.match}\t{ch.destination}")
    return tabwrite(lines, 1)


def listener_json(x: Listener) -> dict[str, Any]:
    chains = []
    for ch in x.chains:
        if ch.route:
            flt = {
                "name": "envoy.filters.network.http_connection_manager",
                "typedConfig": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network."
                    "http_connection_manager.v3.HttpConnectionManager",
                    "statPrefix": f"outbound_0.0.0.0_{x.port}",
                    "rds": {"routeConfigName": ch.route},
                },
            }
        elif ch.cluster:
            flt = {
                "name": "envoy.filters.network.tcp_proxy",
                "typedConfig": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network."
                    "tcp_proxy.v3.TcpProxy",
                    "statPrefix": ch.cluster,
                    "cluster": ch.cluster,
                },
            }
        else:
            flt = {"name": "envoy.filters.network.http_connection_manager"}
        chains.append({"filterChainMatch": {"meshcertMatch": ch.match}, "filters": [flt]})
    data: dict[str, Any] = {
        "name": x.name or f"{x.address}_{x.port}",
        "address": {"socketAddress": {"address": x.address, "portValue": x.port}},
        "filterChains": chains,
    }
    if x.name in ("virtualOutbound", "virtualInbound"):
        data["useOriginalDst"] = True
    data["trafficDirection"] = "INBOUND" if x.name == "virtualInbound" else "OUTBOUND"
    return data


# endpoints --------------------------------------------------------------------------------

STATIC_ENDPOINTS = {
    "agent": "127.0.0.1:15020",
    "prometheus_stats": "127.0.0.1:15000",
    "sds-grpc": "unix://./var/run/secrets/workload-spiffe-uds/socket",
    "xds-grpc": "unix://./etc/istio/proxy/XDS",
}


@dataclass(frozen=True)
class EndpointRow:
    endpoint: str
    status: str
    outlier: str
    cluster: str


def endpoint_rows(
    cfg: EnvoyConfig, cluster: str = "", status: str = "", port: int = 0, address: str = ""
) -> list[EndpointRow]:
    rows = []
    for c in cfg.clusters:
        if c.name in STATIC_ENDPOINTS:
            rows.append(EndpointRow(STATIC_ENDPOINTS[c.name], "HEALTHY", "OK", c.name))
            continue
        for ep in endpoints_of(cfg, c):
            state = "HEALTHY" if ep.ready else "UNHEALTHY"
            rows.append(EndpointRow(f"{ep.address}:{ep.port}", state, "OK", c.name))
    out = [
        r
        for r in rows
        if (not cluster or r.cluster.lower() == cluster.lower())
        and (not status or r.status.lower() == status.lower())
        and (not port or r.endpoint.endswith(f":{port}"))
        and (not address or r.endpoint.rpartition(":")[0] == address)
    ]
    return sorted(out, key=_endpoint_key)


def _endpoint_key(r: EndpointRow) -> tuple[str, int, str]:
    """clusters.go retrieveSortedEndpointClusterSlice: address, port (numeric), cluster."""
    if r.endpoint.startswith("unix://"):
        return r.endpoint, 0, r.cluster
    address, _, port = r.endpoint.rpartition(":")
    return address, int(port) if port.isdigit() else 0, r.cluster


def endpoint_summary(rows: list[EndpointRow]) -> str:
    lines = ["ENDPOINT\tSTATUS\tOUTLIER CHECK\tCLUSTER"]
    lines += [f"{r.endpoint}\t{r.status}\t{r.outlier}\t{r.cluster}" for r in rows]
    return tabwrite(lines, 5)


def endpoint_json(rows: list[EndpointRow]) -> list[dict[str, Any]]:
    by_cluster: dict[str, list[EndpointRow]] = {}
    for r in rows:
        by_cluster.setdefault(r.cluster, []).append(r)
    out = []
    for name, members in by_cluster.items():
        hosts = []
        for r in members:
            address, _, port = r.endpoint.rpartition(":")
            addr: dict[str, Any] = (
                {"pipe": {"path": r.endpoint.removeprefix("unix://")}}
                if r.endpoint.startswith("unix://")
                else {"socketAddress": {"address": address, "portValue": int(port)}}
            )
            hosts.append(
                {
                    "address": addr,
                    "stats": [{"name": "cx_connect_fail"}, {"name": "rq_total"}],
                    "healthStatus": {"edsHealthStatus": r.status},
                    "weight": 1,
                }
            )
        out.append({"name": name, "observabilityName": name, "hostStatuses": hosts})
    return out


# secrets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretRow:
    name: str
    type: str
    pem: str
    serial: str
    not_after: datetime | None
    not_before: datetime | None
    valid: bool
    key_pem: str = ""
    warming: bool = False


def _cert_row(name: str, kind: str, cert: x509.Certificate, now: datetime) -> SecretRow:
    from cryptography.hazmat.primitives import serialization

    before, after = cert.not_valid_before_utc, cert.not_valid_after_utc
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return SecretRow(
        name, kind, pem, format(cert.serial_number, "x"), after, before, before <= now <= after
    )


def _gateway_secrets(cluster: Cluster, cfg: EnvoyConfig, now: datetime) -> list[SecretRow]:
    """`kubernetes://NAME` (and `kubernetes://NAME-cacert` for MUTUAL) per credentialName of
    the gateway's TLS servers; a credential that does not load stays WARMING (SDS never
    answered), as istioctl shows it."""
    rows: list[SecretRow] = []
    seen: set[str] = set()
    workload = cfg.proxy.workload
    for gw in cfg.view.gateways_for(workload):
        for server in gw.servers:
            tls = dict(server.tls or {})
            name = str(tls.get("credentialName") or "")
            mode = str(tls.get("mode") or "SIMPLE")
            if not name or name in seen or mode not in ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"):
                continue
            seen.add(name)
            need_ca = mode != "SIMPLE"
            found = load_credential(cluster, workload.namespace, name, need_ca)
            if isinstance(found, str) or not found.chain:
                rows.append(
                    SecretRow(f"kubernetes://{name}", "", "", "", None, None, False, warming=True)
                )
                continue
            rows.append(_cert_row(f"kubernetes://{name}", "Cert Chain", found.chain[0], now))
            if need_ca and found.client_ca:
                rows.append(
                    _cert_row(f"kubernetes://{name}{CA_SUFFIX}", "CA", found.client_ca[0], now)
                )
    return rows


def _rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def secrets(cluster: Cluster, cfg: EnvoyConfig) -> list[SecretRow]:
    """`default` (the workload certificate from the mesh CA) and `ROOTCA` (the mesh root)."""
    now = cluster.logs.now()
    out: list[SecretRow] = []
    with cluster.lock:
        cert = workload_certificate(cfg.view, cfg.proxy.workload)
        ca = mesh_ca(cfg.view)
    if cert is not None:
        out.append(
            SecretRow(
                "default",
                "Cert Chain",
                cert.chain_pem,
                format(cert.serial, "x"),
                cert.not_after,
                cert.not_before,
                cert.not_before <= now <= cert.not_after,
                cert.key_pem,
            )
        )
    if cfg.proxy.is_gateway:
        with cluster.lock:
            out += _gateway_secrets(cluster, cfg, now)
    if ca is not None:
        root = x509.load_pem_x509_certificate(ca.root_pem.encode())
        before, after = root.not_valid_before_utc, root.not_valid_after_utc
        out.append(
            SecretRow(
                "ROOTCA",
                "CA",
                ca.root_pem,
                format(root.serial_number, "x"),
                after,
                before,
                before <= now <= after,
            )
        )
    return out


def secret_summary(rows: list[SecretRow]) -> str:
    if not rows:  # configdump.go PrintSecretSummary
        return "No active or warming secrets found.\n"
    lines = ["RESOURCE NAME\tTYPE\tSTATUS\tVALID CERT\tSERIAL NUMBER\tNOT AFTER\tNOT BEFORE"]
    for r in rows:
        if r.warming or r.not_after is None or r.not_before is None:
            lines.append(f"{r.name}\t\tWARMING\tfalse")
            continue
        lines.append(
            f"{r.name}\t{r.type}\tACTIVE\t{str(r.valid).lower()}\t{r.serial}\t"
            f"{_rfc3339(r.not_after)}\t{_rfc3339(r.not_before)}"
        )
    return tabwrite(lines, 5)


def secret_json(rows: list[SecretRow]) -> dict[str, Any]:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    active = []
    warming = []
    for r in rows:
        if r.warming:
            warming.append({"name": r.name})
            continue
        secret: dict[str, Any] = {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
            "name": r.name,
        }
        if r.type == "CA":
            secret["validationContext"] = {"trustedCa": {"inlineBytes": b64(r.pem)}}
        else:
            secret["tlsCertificate"] = {
                "certificateChain": {"inlineBytes": b64(r.pem)},
                "privateKey": {"inlineBytes": b64("[redacted]")},
            }
        version = _rfc3339(r.not_before) if r.not_before is not None else ""
        active.append({"name": r.name, "versionInfo": version, "secret": secret})
    out: dict[str, Any] = {"dynamicActiveSecrets": active}
    if warming:
        out["dynamicWarmingSecrets"] = warming
    return out


# bootstrap and the whole dump ---------------------------------------------------------------


def node_id(proxy: Proxy) -> str:
    w = proxy.workload
    kind = "router" if proxy.is_gateway else "sidecar"
    return f"{kind}~{w.ip}~{w.name}.{w.namespace}~{w.namespace}.svc.cluster.local"


def bootstrap(cfg: EnvoyConfig) -> dict[str, Any]:
    w = cfg.proxy.workload
    spec = w.obj.get("spec") or {}
    app_containers = [
        str(c.get("name")) for c in spec.get("containers") or [] if c.get("name") != "istio-proxy"
    ]
    labels = dict(w.labels)
    app = labels.get("app") or labels.get("app.kubernetes.io/name") or w.name
    metadata = {
        "ANNOTATIONS": dict((w.obj.get("metadata") or {}).get("annotations") or {}),
        "APP_CONTAINERS": ",".join(app_containers),
        "CLUSTER_ID": "Kubernetes",
        "ENVOY_PROMETHEUS_PORT": 15090,
        "ENVOY_STATUS_PORT": 15021,
        "INSTANCE_IPS": w.ip,
        "INTERCEPTION_MODE": "REDIRECT",
        "ISTIO_VERSION": ISTIO_VERSION,
        "LABELS": labels,
        "MESH_ID": cfg.view.mesh.trust_domain
        if hasattr(cfg.view.mesh, "trust_domain")
        else "cluster.local",
        "NAME": w.name,
        "NAMESPACE": w.namespace,
        "NODE_NAME": w.node,
        "OWNER": f"kubernetes://apis/v1/namespaces/{w.namespace}/pods/{w.name}",
        "PILOT_SAN": ["istiod.istio-system.svc"],
        "PROXY_CONFIG": {
            "binaryPath": "/usr/local/bin/envoy",
            "configPath": "./etc/istio/proxy",
            "discoveryAddress": "istiod.istio-system.svc:15012",
            "proxyAdminPort": 15000,
            "serviceCluster": "istio-proxy",
            "statusPort": 15020,
        },
        "SERVICE_ACCOUNT": w.service_account,
        "WORKLOAD_NAME": app,
    }
    if w.revision:
        metadata["ISTIO_REVISION"] = w.revision
    node = {
        "id": node_id(cfg.proxy),
        "cluster": f"{app}.{w.namespace}",
        "metadata": metadata,
        "locality": {},
        "userAgentName": "envoy",
        "userAgentBuildVersion": {"version": {"majorNumber": 1, "minorNumber": 34}},
    }
    statics = [cluster_json(c) for c in cfg.clusters if c.name in STATIC_ENDPOINTS]
    return {
        "bootstrap": {
            "node": node,
            "staticResources": {
                "listeners": [listener_json(x) for x in cfg.listeners if x.static],
                "clusters": statics,
            },
            "dynamicResources": {
                "ldsConfig": {"ads": {}, "initialFetchTimeout": "0s", "resourceApiVersion": "V3"},
                "cdsConfig": {"ads": {}, "initialFetchTimeout": "0s", "resourceApiVersion": "V3"},
                "adsConfig": {
                    "apiType": "GRPC",
                    "transportApiVersion": "V3",
                    "grpcServices": [{"envoyGrpc": {"clusterName": "xds-grpc"}}],
                },
            },
            "admin": {"address": {"socketAddress": {"address": "127.0.0.1", "portValue": 15000}}},
        }
    }


def config_dump(cluster: Cluster, cfg: EnvoyConfig) -> dict[str, Any]:
    prefix = "type.googleapis.com/envoy.admin.v3."
    return {
        "configs": [
            {"@type": prefix + "BootstrapConfigDump", **bootstrap(cfg)},
            {
                "@type": prefix + "ClustersConfigDump",
                "dynamicActiveClusters": [
                    {"cluster": cluster_json(c)}
                    for c in filter_clusters(cfg)
                    if c.name not in STATIC_ENDPOINTS
                ],
            },
            {
                "@type": prefix + "ListenersConfigDump",
                "dynamicListeners": [
                    {"name": x.name, "activeState": {"listener": listener_json(x)}}
                    for x in cfg.listeners
                    if not x.static
                ],
            },
            {
                "@type": prefix + "RoutesConfigDump",
                "dynamicRouteConfigs": [
                    {"routeConfig": route_json(r)} for r in cfg.routes if not r.static
                ],
            },
            {"@type": prefix + "SecretsConfigDump", **secret_json(secrets(cluster, cfg))},
        ]
    }


# logging ----------------------------------------------------------------------------------

LOGGERS = (
    "admin", "alternate_protocols_cache", "aws", "assert", "backtrace", "client", "config",
    "connection", "conn_handler", "decompression", "dns", "dubbo", "envoy_bug", "ext_authz",
    "ext_proc", "rocketmq", "file", "filter", "forward_proxy", "golang", "grpc",
    "happy_eyeballs", "hc", "health_checker", "http", "http2", "hystrix", "init", "io", "jwt",
    "kafka", "key_value_store", "lua", "main", "matcher", "misc", "mongo",
    "multi_connection", "oauth2", "quic", "quic_stream", "pool", "rbac", "rds", "redis",
    "router", "runtime", "stats", "secret", "tap", "testing", "thrift", "tracing", "upstream",
    "udp", "wasm", "websocket",
)  # fmt: skip
LEVELS = ("trace", "debug", "info", "warning", "error", "critical", "off")
ALIASES = {**{level: level for level in LEVELS}, "warn": "warning"}
DEFAULTS = {name: ("error" if name == "misc" else "warning") for name in LOGGERS}

_LEVELS: weakref.WeakKeyDictionary[Cluster, dict[tuple[str, str], dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def levels_of(cluster: Cluster, proxy: Proxy) -> dict[str, str]:
    per = _LEVELS.setdefault(cluster, {})
    return per.setdefault(proxy.workload.key, dict(DEFAULTS))


def set_levels(cluster: Cluster, proxy: Proxy, level: str, reset: bool) -> str:
    """`pc log [--level L | --level name:L,...] [-r]` (proxyconfig.go logCmd): POST
    /logging per change, then `POD.NS:` and Envoy's `active loggers:` answer. `-r` sets every
    logger to the injector's proxy log level (warning)."""
    current = levels_of(cluster, proxy)
    changes: dict[str, str] = {}
    if reset:
        changes["level"] = "warning"
    elif level:
        for item in level.split(","):
            if ":" not in item and "=" not in item:
                if item not in ALIASES:
                    raise UsageError(f"unrecognized logging level: {item}")
                changes = {"level": ALIASES[item]}
                continue
            name, value = re.split(r"[:=]", item.split("::")[-1], maxsplit=1)
            if name != "level" and not any(name in logger for logger in LOGGERS):
                raise UsageError(f"unrecognized logger name: {name}")
            if value not in ALIASES:
                raise UsageError(f"unrecognized logging level: {value}")
            changes[name] = ALIASES[value]
    if "level" in changes:
        current.update(dict.fromkeys(current, changes.pop("level")))
    for name, value in changes.items():
        if name in current:
            current[name] = value
    w = proxy.workload
    body = "".join(f"  {name}: {current[name]}\n" for name in LOGGERS)
    return f"{w.name}.{w.namespace}:\nactive loggers:\n{body}"
