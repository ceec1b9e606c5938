"""Name resolution as a pod sees it: the cluster DNS with the pod's search path, then public DNS
(the simulated internet), plus Istio's DNS proxy for ServiceEntry hosts when DNS capture is on.

- /etc/resolv.conf of a pod: `search <ns>.svc.cluster.local svc.cluster.local cluster.local`,
  `options ndots:5`: a name with fewer than five dots is tried with each suffix first
  (kubernetes.io/docs/concepts/services-networking/dns-pod-service/).
- A Service name resolves to its cluster IP; a headless Service to its ready pods' IPs; an
  ExternalName Service to what its external name resolves to (a CNAME).
- Istio's DNS proxy (`ISTIO_META_DNS_CAPTURE`, on in the preview profile) answers ServiceEntry
  hosts with their addresses (istio.io docs/ops/configuration/traffic-management/dns-proxy/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from meshcert.mesh import hosts, internet
from meshcert.mesh.config.services import KUBERNETES
from meshcert.mesh.view import MeshView

NDOTS = 5
LOOPBACK = "127.0.0.1"
SUFFIX = hosts.DOMAIN_SUFFIX


def search_names(name: str, namespace: str) -> list[str]:
    """The names the resolver tries for `name`, in order."""
    name = name.lower()
    if name.endswith("."):
        return [name.rstrip(".")]
    searched = [f"{name}.{namespace}.svc.{SUFFIX}", f"{name}.svc.{SUFFIX}", f"{name}.{SUFFIX}"]
    return [*searched, name] if name.count(".") < NDOTS else [name, *searched]


def _cluster_record(view: MeshView, fqdn: str, depth: int) -> str | None:
    if not fqdn.endswith(f".svc.{SUFFIX}"):
        return None
    for service in view.services_for_host(fqdn):
        if service.origin != KUBERNETES:
            continue
        if service.external_name:
            return resolve(view, service.external_name, service.namespace, False, depth + 1)
        if service.addresses:
            return service.addresses[0]
        for port in service.ports:
            ready = view.endpoints(service, port.port)
            if ready:
                return ready[0].address
        # a headless Service with no ready pods has no records
        ips = [w.ip for w in view.workloads_in(service.namespace) if w.ip and w.ready
               and _selects(service.selector, w.labels)]  # fmt: skip
        return ips[0] if ips else None
    return None


def _selects(selector: object, labels: object) -> bool:
    if not isinstance(selector, dict) or not selector or not isinstance(labels, dict):
        return False
    return all(labels.get(k) == v for k, v in selector.items())


def dns_capture(view: MeshView, pod: Mapping[str, Any] | None = None) -> bool:
    """Whether the pod's sidecar answers DNS itself: ISTIO_META_DNS_CAPTURE in meshConfig
    defaultConfig.proxyMetadata, overridden by the pod's `proxy.istio.io/config` annotation
    (istio.io docs/ops/configuration/traffic-management/dns-proxy)."""
    meta = dict((view.mesh.default_config or {}).get("proxyMetadata") or {})
    annotation = (((pod or {}).get("metadata") or {}).get("annotations") or {}).get(
        "proxy.istio.io/config"
    )
    if annotation:
        try:
            parsed = yaml.safe_load(str(annotation))
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("proxyMetadata"), dict):
            meta.update(parsed["proxyMetadata"])
    return str(meta.get("ISTIO_META_DNS_CAPTURE", "")).lower() == "true"


def resolve(
    view: MeshView, name: str, namespace: str, capture: bool = False, depth: int = 0
) -> str | None:
    """The IPv4 address `name` resolves to for a pod in `namespace` (None: NXDOMAIN)."""
    found = record(view, name, namespace, capture, depth)
    return found[1] if found is not None else None


def record(
    view: MeshView, name: str, namespace: str, capture: bool = False, depth: int = 0
) -> tuple[str, str] | None:
    """(the name that answered, its IPv4 address), or None for NXDOMAIN."""
    if depth > 8:
        return None
    if hosts.is_ip(name):
        return name, name
    if name.lower().rstrip(".") == "localhost":  # /etc/hosts
        return "localhost", LOOPBACK
    for candidate in search_names(name, namespace):
        found = _cluster_record(view, candidate, depth)
        if found:
            return candidate, found
        if capture:
            service = view.service_for(candidate, namespace)
            if service is not None and service.origin != KUBERNETES:
                if service.addresses:
                    return candidate, service.addresses[0].split("/")[0]
                return candidate, _auto_address(candidate)
    public = internet.resolve_public(name.rstrip("."))
    return (name.rstrip("."), public) if public else None


def _auto_address(host: str) -> str:
    """Istio's auto-allocated ServiceEntry address (class E 240.240.0.0/16)."""
    value = sum(ord(c) * (i + 1) for i, c in enumerate(host)) % 65534 + 1
    return f"240.240.{value // 256}.{value % 256}"


__all__ = ["dns_capture", "record", "resolve", "search_names"]
