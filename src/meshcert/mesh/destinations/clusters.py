"""Upstream clusters: the Envoy cluster a route's destination names, its endpoints and the
effective traffic policy.

Sources: pilot/pkg/model/service.go BuildSubsetKey (`outbound|<port>|<subset>|<host>`),
pilot/pkg/networking/core/cluster_builder.go (a subset cluster exists only for subsets the
DestinationRule defines, so an undefined subset has no cluster: 503 NC; subset endpoints are the
service endpoints with the subset labels; an empty endpoint set answers 503 UH "no healthy
upstream"), cluster_tls.go (auto mTLS: with no DestinationRule tls, ISTIO_MUTUAL to endpoints
labelled security.istio.io/tlsMode=istio, plaintext otherwise, never for MESH_EXTERNAL
services; an explicit tls mode always wins).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config.objects import ConfigKey
from ..config.routes import Destination
from ..config.services import Endpoint, Service, ServicePort
from ..routing.proxies import Proxy, scope_of
from ..view import MeshView
from .lookup import destination_rule_for
from .policies import TrafficPolicy, merge


def cluster_name(
    host: str, port: int, subset: str | None = None, direction: str = "outbound"
) -> str:
    return f"{direction}|{port}|{subset or ''}|{host}"


@dataclass(frozen=True)
class UpstreamCluster:
    """An outbound cluster. `endpoints` are already narrowed to the subset; `policy` is the
    merged traffic policy for this port and subset; `destination_rule` the rule applied."""

    name: str
    service: Service
    port: ServicePort
    subset: str | None
    endpoints: tuple[Endpoint, ...]
    policy: TrafficPolicy
    destination_rule: ConfigKey | None = None
    auto_mtls: bool = True

    @property
    def original_destination(self) -> bool:
        """An ORIGINAL_DST cluster (ServiceEntry resolution NONE without endpoints or
        selector): connect to the address the client dialed (cluster_builder.go)."""
        svc = self.service
        return svc.resolution == "NONE" and not svc.static_endpoints and svc.selector is None

    def tls_mode(self, endpoint: Endpoint) -> str:
        """The client TLS mode toward `endpoint`: the DestinationRule's, else auto mTLS."""
        if self.policy.tls is not None:
            return self.policy.tls.mode
        if self.auto_mtls and not self.service.external and endpoint.has_sidecar:
            return "ISTIO_MUTUAL"
        return "DISABLE"


def upstream_cluster(
    view: MeshView,
    proxy: Proxy | None,
    destination: Destination,
    client_namespace: str = "",
) -> UpstreamCluster | None:
    """The cluster for `destination` as `proxy` (or, with no proxy, a client in
    `client_namespace`: no DestinationRule applies) sees it; None = no such cluster (unknown
    host, port the service lacks, or a subset no DestinationRule defines)."""
    ns = proxy.namespace if proxy is not None else client_namespace
    key = (
        "cluster",
        ns,
        proxy.workload.name if proxy is not None else "",
        destination.host,
        destination.subset,
        destination.port,
    )
    found = view.memos.get(key)
    if found is not None:
        return found if isinstance(found, UpstreamCluster) else None
    result = _build(view, proxy, destination, ns)
    view.remember(key, result if result is not None else False)
    return result


def _build(
    view: MeshView, proxy: Proxy | None, destination: Destination, ns: str
) -> UpstreamCluster | None:
    service = view.service_for(destination.host, ns)
    if service is None:
        return None
    if proxy is not None and not scope_of(view, proxy).imports(service.namespace, service.hostname):
        return None
    number = destination.port
    if number is None:
        if len(service.ports) != 1:
            return None
        number = service.ports[0].port
    sp = service.port(number)
    if sp is None:
        return None
    rule = (
        destination_rule_for(view, ns, service.hostname, service.namespace, proxy.labels)
        if proxy is not None
        else None
    )
    subset_labels = None
    subset_policy = None
    if destination.subset:
        subset = rule.subset(destination.subset) if rule is not None else None
        if subset is None:
            return None
        subset_labels = subset.labels
        subset_policy = subset.traffic_policy
    connect_timeout = _connect_timeout(view)
    merged = merge(rule.traffic_policy if rule else None, subset_policy, number)
    return UpstreamCluster(
        name=cluster_name(service.hostname, number, destination.subset),
        service=service,
        port=sp,
        subset=destination.subset,
        endpoints=view.endpoints(service, number, subset_labels),
        policy=TrafficPolicy.parse(merged, connect_timeout),
        destination_rule=rule.key if rule is not None else None,
        auto_mtls=view.mesh.enable_auto_mtls,
    )


def _connect_timeout(view: MeshView) -> float:
    from ..config.values import duration_or

    return duration_or(view.mesh.raw.get("connectTimeout"), 10.0) or 10.0


__all__ = ["UpstreamCluster", "cluster_name", "upstream_cluster"]
