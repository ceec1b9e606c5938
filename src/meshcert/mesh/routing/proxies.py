"""Who routes: the sidecar of a workload or a gateway workload, and the configuration scope a
sidecar sees (its Sidecar resource and outbound traffic policy).

Sources: pilot/pkg/model/sidecar.go (a Sidecar with a workloadSelector matching the workload
beats the namespace-wide one; the root namespace's selector-less Sidecar is the default for
namespaces without one; oldest first), pilot/pkg/model/context.go (proxy types sidecar and
router), networking/v1alpha3/sidecar.proto (outboundTrafficPolicy override).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config.destinationrules import Sidecar
from ..config.routes import Destination
from ..config.workloads import Workload, selects
from ..view import MeshView

SIDECAR = "sidecar"
GATEWAY = "gateway"
WAYPOINT = "waypoint"
MESH_GATEWAY = "mesh"


@dataclass(frozen=True)
class Proxy:
    """An Envoy that routes: `kind` is `sidecar`, `gateway` (Istio's "router") or `waypoint`
    (an ambient waypoint routing traffic for the service `target`, its hostname)."""

    kind: str
    workload: Workload
    target: str = ""

    @classmethod
    def sidecar(cls, workload: Workload) -> Proxy:
        return cls(SIDECAR, workload)

    @classmethod
    def gateway(cls, workload: Workload) -> Proxy:
        return cls(GATEWAY, workload)

    @property
    def namespace(self) -> str:
        return self.workload.namespace

    @property
    def labels(self) -> Mapping[str, str]:
        return self.workload.labels

    @property
    def is_gateway(self) -> bool:
        return self.kind == GATEWAY

    @property
    def is_waypoint(self) -> bool:
        return self.kind == WAYPOINT


def is_gateway_workload(workload: Workload) -> bool:
    """A gateway pod runs `istio-proxy` as a router rather than as an injected sidecar
    (`Workload.is_gateway`)."""
    return workload.is_gateway


def proxy_for(workload: Workload | None) -> Proxy | None:
    """The proxy in front of `workload`'s outbound traffic: None without one (no sidecar;
    ambient pods go through ztunnel, which does no L7 routing)."""
    if workload is None or not workload.has_sidecar:
        return None
    if is_gateway_workload(workload):
        return Proxy.gateway(workload)
    return Proxy.sidecar(workload)


def sidecar_resource(view: MeshView, workload: Workload) -> Sidecar | None:
    """The Sidecar resource that configures `workload`'s sidecar, or None."""
    own = view.sidecars_in(workload.namespace)
    for sc in own:
        if sc.selector and selects(sc.selector, workload.labels):
            return sc
    for sc in own:
        if not sc.selector:
            return sc
    if workload.namespace != view.root_namespace:
        for sc in view.sidecars_in(view.root_namespace):
            if not sc.selector:
                return sc
    return None


@dataclass(frozen=True)
class Scope:
    """What a sidecar imports: its Sidecar resource (None = everything exported to its
    namespace) and its effective outbound traffic policy mode."""

    namespace: str
    sidecar: Sidecar | None
    outbound_policy: str
    egress_proxy: Destination | None = None

    def imports(self, namespace: str, host: str, port: int | None = None) -> bool:
        """Whether a config or service `host` of `namespace` is imported by the egress hosts
        (of the listener for `port`, or of any listener)."""
        if self.sidecar is None:
            return True
        return self.sidecar.imports(self.namespace, namespace, host, port)


def scope_of(view: MeshView, proxy: Proxy) -> Scope:
    key = ("scope", proxy.kind, proxy.namespace, proxy.workload.name)
    found = view.memo(key)
    if found is None:
        sc = sidecar_resource(view, proxy.workload) if proxy.kind == SIDECAR else None
        mode = (sc.outbound_policy if sc is not None else None) or view.mesh.outbound_policy
        egress = (
            Destination.parse(sc.egress_proxy, sc.key.namespace)
            if sc is not None and sc.egress_proxy is not None
            else None
        )
        found = view.remember(key, Scope(proxy.namespace, sc, mode.upper(), egress))
    assert isinstance(found, Scope)
    return found


__all__ = [
    "GATEWAY",
    "MESH_GATEWAY",
    "SIDECAR",
    "Proxy",
    "Scope",
    "is_gateway_workload",
    "proxy_for",
    "scope_of",
    "sidecar_resource",
]
