"""Helpers the analyzers share (istio/istio pkg/config/analysis/analyzers/util): system
namespaces, label selectors, host names and the hosts services and ServiceEntries define."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from meshcert.mesh import hosts

from ..context import Context
from ..resources import Resource

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease",
                               "local-path-storage"})  # fmt: skip
DOMAIN = "svc.cluster.local"
MESH_GATEWAY = "mesh"


def is_system_namespace(namespace: str) -> bool:
    return namespace in SYSTEM_NAMESPACES


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def selector_string(selector: Mapping[str, Any] | None) -> str:
    """klabels.SelectorFromSet(...).String(): `k=v` pairs sorted by key, comma-separated."""
    return ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items()))


def fqdn(host: str, namespace: str) -> str:
    """util.ConvertHostToFQDN: a short name is a service of `namespace`."""
    if host.startswith("*") or "." in host:
        return host
    return f"{host}.{namespace}.{DOMAIN}"


def export_scopes(namespace: str, export_to: Any) -> list[str]:
    """The namespaces (or `*`) an object is visible in."""
    if not export_to or "*" in export_to:
        return ["*"]
    return sorted({namespace if e == "." else str(e) for e in export_to})


@dataclass(frozen=True)
class HostEntry:
    """A host a Service or ServiceEntry defines, with its ports."""

    host: str
    ports: tuple[int, ...]
    resource: Resource


def service_hosts(context: Context) -> dict[tuple[str, str], HostEntry]:
    """util.InitServiceEntryHostMap: (scope, FQDN) -> entry, for ServiceEntries and for every
    Service (as the synthetic ServiceEntry Istio derives from it)."""
    out: dict[tuple[str, str], HostEntry] = {}
    for se in context.each("ServiceEntry"):
        spec = se.spec
        ports = tuple(int(p.get("number") or 0) for p in spec.get("ports") or [])
        for scope in export_scopes(se.namespace, spec.get("exportTo")):
            for host in spec.get("hosts") or []:
                out[(scope, fqdn(str(host), se.namespace))] = HostEntry(str(host), ports, se)
    for svc in context.each("Service"):
        ports = tuple(int(p.get("port") or 0) for p in svc.spec.get("ports") or [])
        export = svc.annotations.get("networking.istio.io/exportTo")
        scopes = export_scopes(svc.namespace, export.split(",") if export else None)
        name = f"{svc.name}.{svc.namespace}.{DOMAIN}"
        for scope in scopes:
            out.setdefault((scope, name), HostEntry(name, ports, svc))
    return out


def destination_host(
    namespace: str, host: str, entries: Mapping[tuple[str, str], HostEntry]
) -> HostEntry | None:
    """util.GetDestinationHost: the Service or ServiceEntry a destination host names, as seen
    from `namespace` (exact names first, then wildcard ServiceEntry hosts)."""
    name = fqdn(host, namespace)
    for scope in ("*", namespace):
        if (scope, name) in entries:
            return entries[(scope, name)]
    for (scope, entry_host), entry in entries.items():
        wildcard = hosts.is_wildcard(entry_host)
        if scope in ("*", namespace) and wildcard and hosts.matches(entry_host, name):
            return entry
    return None


@dataclass(frozen=True)
class RouteDestination:
    """A destination of a VirtualService route (virtualservice/util.go AnnotatedDestination)."""

    rule: str  # http, tcp, tls, http.mirror
    destination: Mapping[str, Any]
    path: tuple[str | int, ...] = ()  # of the destination's `host`, for the message's line

    @property
    def host(self) -> str:
        return str(self.destination.get("host") or "")

    @property
    def subset(self) -> str:
        return str(self.destination.get("subset") or "")

    @property
    def port(self) -> int | None:
        number = (self.destination.get("port") or {}).get("number")
        return int(number) if number else None


def route_destinations(spec: Mapping[str, Any]) -> Iterator[RouteDestination]:
    for kind in ("http", "tcp", "tls"):
        for i, rule in enumerate(spec.get(kind) or []):
            for j, route in enumerate((rule or {}).get("route") or []):
                dest = (route or {}).get("destination")
                if isinstance(dest, Mapping):
                    path = ("spec", kind, i, "route", j, "destination", "host")
                    yield RouteDestination(kind, dest, path)


def mirror_destinations(spec: Mapping[str, Any]) -> Iterator[RouteDestination]:
    for i, rule in enumerate(spec.get("http") or []):
        mirror = (rule or {}).get("mirror")
        if isinstance(mirror, Mapping):
            yield RouteDestination("http.mirror", mirror, ("spec", "http", i, "mirror", "host"))
        for j, policy in enumerate((rule or {}).get("mirrors") or []):
            dest = (policy or {}).get("destination")
            if isinstance(dest, Mapping):
                path = ("spec", "http", i, "mirrors", j, "destination", "host")
                yield RouteDestination("http.mirror", dest, path)
