"""The service registry: Kubernetes Services and ServiceEntry hosts as one `Service` model, with
ports, protocols and endpoints.

Sources: pilot/pkg/serviceregistry/kube/conversion.go (Service -> model.Service, exportTo
annotation, headless), pilot/pkg/serviceregistry/serviceentry/conversion.go (one service per SE
host, endpoints, location MESH_EXTERNAL / resolution NONE defaults), pkg/config/protocol
(protocol from appProtocol, then the port name prefix `<protocol>[-suffix]`), pkg/config/kube
(ConvertProtocol).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import hosts
from . import exports
from .workloads import Workload

MESH_INTERNAL = "MESH_INTERNAL"
MESH_EXTERNAL = "MESH_EXTERNAL"
KUBERNETES = "Kubernetes"
SERVICE_ENTRY = "ServiceEntry"

_PROTOCOLS = {
    "http": "HTTP",
    "http2": "HTTP2",
    "https": "HTTPS",
    "grpc": "GRPC",
    "grpc-web": "GRPC-Web",
    "tcp": "TCP",
    "tls": "TLS",
    "mongo": "Mongo",
    "redis": "Redis",
    "mysql": "MySQL",
    "udp": "UDP",
}
HTTP_PROTOCOLS = frozenset({"HTTP", "HTTP2", "GRPC", "GRPC-Web"})


def protocol_of(name: str, app_protocol: str = "", kube_protocol: str = "TCP") -> str:
    """Istio's protocol for a Service port: `appProtocol`, else the name's prefix before `-`
    (`http-web` -> HTTP), UDP by the kube protocol; "" when unknown (Istio sniffs the protocol:
    HTTP requests are still routed as HTTP)."""
    if kube_protocol.upper() == "UDP":
        return "UDP"
    if app_protocol:
        found = _PROTOCOLS.get(app_protocol.lower())
        if found:
            return found
        if app_protocol.lower() in ("kubernetes.io/h2c",):
            return "HTTP2"
    lowered = name.lower()
    if lowered in _PROTOCOLS:
        return _PROTOCOLS[lowered]
    prefix = lowered.split("-", 1)[0]
    if lowered.startswith("grpc-web"):
        return "GRPC-Web"
    return _PROTOCOLS.get(prefix, "")


def is_http(protocol: str) -> bool:
    """Routed by the HTTP connection manager (explicit HTTP or sniffed)."""
    return protocol in HTTP_PROTOCOLS or protocol == ""


@dataclass(frozen=True)
class ServicePort:
    name: str
    port: int
    protocol: str
    target_port: int | str | None = None
    node_port: int | None = None


@dataclass(frozen=True)
class Endpoint:
    """One upstream address of a service port. `workload` is the pod (or None for ServiceEntry
    endpoints and DNS hosts); `labels` are the pod's or the SE endpoint's."""

    address: str
    port: int
    labels: Mapping[str, str]
    workload: Workload | None = None
    locality: str = ""
    service_account: str = ""
    weight: int = 1
    ready: bool = True

    @property
    def has_sidecar(self) -> bool:
        """Istio's auto mTLS test: the endpoint label `security.istio.io/tlsMode=istio`."""
        return self.labels.get("security.istio.io/tlsMode") == "istio"


@dataclass(frozen=True)
class Service:
    """A host of the registry. `addresses` are VIPs (cluster IP, SE addresses); `selector` picks
    pods (Service selector, SE workloadSelector); `static_endpoints` are SE endpoints."""

    hostname: str
    namespace: str
    name: str
    origin: str
    ports: tuple[ServicePort, ...]
    addresses: tuple[str, ...] = ()
    selector: Mapping[str, str] | None = None
    export_to: frozenset[str] = frozenset({"*"})
    location: str = MESH_INTERNAL
    resolution: str = "CLIENT_SIDE_LB"
    static_endpoints: tuple[Endpoint, ...] = ()
    created: str = ""
    external_name: str = ""
    obj: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def headless(self) -> bool:
        return self.origin == KUBERNETES and not self.addresses

    @property
    def external(self) -> bool:
        return self.location == MESH_EXTERNAL

    def port(self, number: int) -> ServicePort | None:
        return next((p for p in self.ports if p.port == number), None)

    def port_named(self, name: str) -> ServicePort | None:
        return next((p for p in self.ports if p.name == name), None)


def kubernetes_service(obj: Mapping[str, Any], default_export: frozenset[str]) -> Service:
    """A Kubernetes Service as a registry service (kube/conversion.go: FQDN
    `<name>.<ns>.svc.cluster.local`, cluster IP, exportTo annotation, ExternalName)."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    ns = str(meta.get("namespace", ""))
    name = str(meta.get("name", ""))
    ports = tuple(
        ServicePort(
            name=str(p.get("name") or ""),
            port=int(p.get("port") or 0),
            protocol=protocol_of(
                str(p.get("name") or ""),
                str(p.get("appProtocol") or ""),
                str(p.get("protocol") or "TCP"),
            ),
            target_port=p.get("targetPort"),
            node_port=p.get("nodePort") if isinstance(p.get("nodePort"), int) else None,
        )
        for p in spec.get("ports") or []
        if isinstance(p, dict)
    )
    ip = str(spec.get("clusterIP") or "")
    annotations = meta.get("annotations") or {}
    export_value = annotations.get(exports.SERVICE_EXPORT_ANNOTATION)
    return Service(
        hostname=f"{name}.{ns}.svc.{hosts.DOMAIN_SUFFIX}",
        namespace=ns,
        name=name,
        origin=KUBERNETES,
        ports=ports,
        addresses=(ip,) if ip and ip != "None" else (),
        selector=spec.get("selector") or {},
        export_to=exports.parse_annotation(export_value) if export_value else default_export,
        resolution="DNS" if spec.get("type") == "ExternalName" else "CLIENT_SIDE_LB",
        created=str(meta.get("creationTimestamp", "")),
        external_name=str(spec.get("externalName") or ""),
        obj=obj,
    )


__all__ = [
    "HTTP_PROTOCOLS",
    "KUBERNETES",
    "MESH_EXTERNAL",
    "MESH_INTERNAL",
    "SERVICE_ENTRY",
    "Endpoint",
    "Service",
    "ServicePort",
    "is_http",
    "kubernetes_service",
    "protocol_of",
]
