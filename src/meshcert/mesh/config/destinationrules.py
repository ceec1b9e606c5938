"""DestinationRules, Gateways and Sidecars parsed once per view.

Sources: networking/v1alpha3/destination_rule.proto, gateway.proto, sidecar.proto. Hosts are
resolved against the resource's namespace (DestinationRule) or kept as `ns/dnsName` pairs
(Gateway servers, Sidecar egress).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import hosts
from . import exports
from .objects import ConfigKey, meta_of


@dataclass(frozen=True)
class Subset:
    name: str
    labels: Mapping[str, str]
    traffic_policy: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class DestinationRule:
    key: ConfigKey
    created: str
    host: str
    export_to: frozenset[str]
    traffic_policy: Mapping[str, Any] | None
    subsets: tuple[Subset, ...]
    workload_selector: Mapping[str, str] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def namespace(self) -> str:
        return self.key.namespace

    @classmethod
    def parse(
        cls, obj: Mapping[str, Any], default_export: frozenset[str] = exports.PUBLIC
    ) -> DestinationRule:
        key, created = meta_of("DestinationRule", obj)
        spec = obj.get("spec") or {}
        subsets = tuple(
            Subset(
                str(s.get("name", "")),
                s.get("labels") or {},
                s.get("trafficPolicy") if isinstance(s.get("trafficPolicy"), dict) else None,
            )
            for s in spec.get("subsets") or []
            if isinstance(s, dict)
        )
        selector = (spec.get("workloadSelector") or {}).get("matchLabels")
        policy = spec.get("trafficPolicy")
        return cls(
            key=key,
            created=created,
            host=hosts.resolve(str(spec.get("host") or ""), key.namespace),
            export_to=exports.parse(spec.get("exportTo"), default_export),
            traffic_policy=policy if isinstance(policy, dict) else None,
            subsets=subsets,
            workload_selector=selector or None,
            raw=obj,
        )


@dataclass(frozen=True)
class Server:
    """A Gateway server: port, protocol, `(namespace, dnsName)` hosts and TLS settings."""

    port: int
    port_name: str
    protocol: str
    hosts: tuple[tuple[str, str], ...]
    tls: Mapping[str, Any] | None = None
    bind: str = ""
    target_port: int | None = None

    @property
    def is_http(self) -> bool:
        return self.protocol in ("HTTP", "HTTP2", "GRPC")

    @property
    def terminates_tls(self) -> bool:
        return self.protocol == "HTTPS" or (
            self.protocol == "TLS" and (self.tls or {}).get("mode") != "PASSTHROUGH"
        )


@dataclass(frozen=True)
class Gateway:
    key: ConfigKey
    created: str
    selector: Mapping[str, str]
    servers: tuple[Server, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> str:
        """`namespace/name`, how VirtualServices name it once resolved."""
        return f"{self.key.namespace}/{self.key.name}"

    @classmethod
    def parse(cls, obj: Mapping[str, Any]) -> Gateway:
        key, created = meta_of("Gateway", obj)
        spec = obj.get("spec") or {}
        servers = []
        for s in spec.get("servers") or []:
            if not isinstance(s, dict):
                continue
            port = s.get("port") or {}
            target = port.get("targetPort")
            servers.append(
                Server(
                    port=int(port.get("number") or 0),
                    port_name=str(port.get("name") or ""),
                    protocol=str(port.get("protocol") or "").upper(),
                    hosts=tuple(
                        hosts.split_namespaced(str(h), key.namespace) for h in s.get("hosts") or []
                    ),
                    tls=s.get("tls") if isinstance(s.get("tls"), dict) else None,
                    bind=str(s.get("bind") or ""),
                    target_port=int(target) if isinstance(target, int) else None,
                )
            )
        return cls(key, created, spec.get("selector") or {}, tuple(servers), obj)


@dataclass(frozen=True)
class EgressListener:
    port: int | None
    hosts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sidecar:
    key: ConfigKey
    created: str
    selector: Mapping[str, str] | None
    egress: tuple[EgressListener, ...]
    outbound_policy: str | None = None
    egress_proxy: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, obj: Mapping[str, Any]) -> Sidecar:
        key, created = meta_of("Sidecar", obj)
        spec = obj.get("spec") or {}
        egress = []
        for e in spec.get("egress") or []:
            if not isinstance(e, dict):
                continue
            port = (e.get("port") or {}).get("number")
            egress.append(
                EgressListener(
                    int(port) if isinstance(port, int) else None,
                    tuple(hosts.split_namespaced(str(h), ".") for h in e.get("hosts") or []),
                )
            )
        selector = (spec.get("workloadSelector") or {}).get("labels")
        policy = spec.get("outboundTrafficPolicy") or {}
        mode = policy.get("mode")
        proxy = policy.get("egressProxy")
        return cls(
            key,
            created,
            selector or None,
            tuple(egress),
            str(mode or "REGISTRY_ONLY") if policy else None,
            proxy if isinstance(proxy, dict) else None,
            obj,
        )

    def imports(
        self, client_namespace: str, namespace: str, host: str, port: int | None = None
    ) -> bool:
        """Whether the egress hosts import `host` of `namespace` on listener `port` (None = on
        any listener, as clusters are built for every imported host; no egress = `*/*`).
        `~` imports nothing; `.` is the client's namespace (a root-namespace Sidecar applies to
        other namespaces as their own, sidecar.go ConvertToSidecarScope)."""
        if not self.egress:
            return True
        listeners = self.egress
        if port is not None:
            # The listener of the port, else the catch-all (port-less) one (sidecar.go).
            listeners = tuple(e for e in self.egress if e.port == port) or tuple(
                e for e in self.egress if e.port is None
            )
        for listener in listeners:
            for ns, pattern in listener.hosts:
                if ns == "~":
                    continue
                if ns == ".":
                    ns = client_namespace
                if ns not in ("*", namespace):
                    continue
                if hosts.matches(pattern, host):
                    return True
        return False


__all__ = ["DestinationRule", "EgressListener", "Gateway", "Server", "Sidecar", "Subset"]
