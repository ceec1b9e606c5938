"""The waypoint hop of ambient traffic: an ambient client's ztunnel sends a request for a
Service that uses a waypoint to that waypoint, which applies the L7 policies and routes, then
sends it on to the chosen endpoint (through the destination's ztunnel).

- Which waypoint: label `istio.io/use-waypoint=<name>` on the Service, else on its namespace
  (`none` opts out; `istio.io/use-waypoint-namespace` names another namespace), unless the
  waypoint's Gateway says `istio.io/waypoint-for: workload` or `none`; the waypoint's
  pods carry `gateway.networking.k8s.io/gateway-name=<name>` (deployed by istiod for the
  `istio-waypoint` Gateway, `controlplane/gateways.py`). No ready waypoint pod: the lab sends
  the request on directly (not modelled: what ztunnel does for a missing waypoint).
- Authorization: the policies whose targetRefs name the waypoint or the Service
  (`security/waypoint_authz.py`); a denial is the waypoint's 403 `RBAC: access denied`.
- Routing: `routing/waypoints.py` (HTTPRoutes with the Service as parent, VirtualServices for
  its host), then the waypoint's Envoy does what a sidecar's outbound Envoy does (faults,
  retries, timeouts, mirrors, header operations) and relays the answer with Envoy's headers:
  its HTTP connection manager takes the sidecar-inbound proxy headers (listener_waypoint.go
  GetProxyHeaders(..., ListenerClassSidecarInbound)), so the server name is Envoy's default
  `envoy` (not the gateways' `istio-envoy`), with `x-envoy-upstream-service-time`.
- Its access log (when logging is on) is in `kubectl logs deploy/<waypoint>`.
- Only clients enrolled in ambient use waypoints: sidecars bypass them, as in Istio 1.26 (the
  sidecar-to-waypoint interop of istio/istio issue 51445 does not exist yet), and so do
  gateways unless the Service (or its namespace) is labelled
  `istio.io/ingress-use-waypoint: "true"` (`from_gateway`). Not modelled: HTTPS or opaque
  (TCP) ports through the waypoint.

Sources: istio.io docs/ambient/usage/waypoint ("Use a waypoint proxy", the labels),
docs/ambient/usage/l7-features, docs/ambient/getting-started/{secure-and-visualize,
enforce-auth-policies,manage-traffic}; istio/istio pilot/pkg/networking/core/
listener_waypoint.go.
"""

from __future__ import annotations

from meshcert.mesh.config.services import Service, is_http
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing.proxies import WAYPOINT, Proxy
from meshcert.mesh.security.peers import Peer
from meshcert.mesh.security.waypoint_authz import authorize_waypoint
from meshcert.mesh.view import MeshView

from . import envoy, proxylogs
from .deliveries import Delivery
from .hops import Hop
from .state import view_for_proxy

USE_WAYPOINT = "istio.io/use-waypoint"
USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace"
INGRESS_USE_WAYPOINT = "istio.io/ingress-use-waypoint"
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"


def _labels(service: Service) -> dict[str, str]:
    return dict((service.obj.get("metadata") or {}).get("labels") or {})


def waypoint_name(view: MeshView, service: Service) -> tuple[str, str] | None:
    """(namespace, name) of the waypoint `service` uses, or None."""
    labels = _labels(service)
    if USE_WAYPOINT not in labels:
        labels = dict(view.namespaces.get(service.namespace) or {})
    name = labels.get(USE_WAYPOINT, "")
    if not name or name == "none":
        return None
    return labels.get(USE_WAYPOINT_NAMESPACE) or service.namespace, name


def waypoint_pods(view: MeshView, service: Service) -> tuple[Workload, ...]:
    """The ready pods of the waypoint `service` uses (memoized per view)."""
    key = ("waypoint-pods", service.namespace, service.name)
    found = view.memo(key)
    if found is None:
        named = waypoint_name(view, service)
        pods: tuple[Workload, ...] = ()
        if named is not None and view.waypoint_for.get(named, "service") in ("service", "all"):
            ns, name = named
            pods = tuple(
                w
                for w in view.workloads_in(ns)
                if w.labels.get(GATEWAY_NAME_LABEL) == name and w.ready and w.ip
            )
        found = view.remember(key, pods)
    return found  # type: ignore[no-any-return]


def ingress_uses_waypoint(view: MeshView, service: Service) -> bool:
    """`istio.io/ingress-use-waypoint: "true"` on the Service, else on its namespace."""
    labels = _labels(service)
    if INGRESS_USE_WAYPOINT not in labels:
        labels = dict(view.namespaces.get(service.namespace) or {})
    return labels.get(INGRESS_USE_WAYPOINT) == "true"


def from_gateway(
    hop: Hop, gateway: Workload, service: Service, request: HttpRequest, port: int
) -> Delivery | None:
    """A gateway's request for `service:port` when the service asks ingress traffic to use its
    waypoint (istio.io docs/ambient/usage/waypoint "Ingress"): the waypoint's policies and
    routes apply; None when the gateway goes to the endpoints itself."""
    if not service.addresses or not ingress_uses_waypoint(hop.view, service):
        return None
    return through_waypoint(hop, gateway, service, request, service.addresses[0], port)


def through_waypoint(
    hop: Hop,
    client: Workload,
    service: Service,
    request: HttpRequest,
    address: str,
    port: int,
) -> Delivery | None:
    """The request from the ambient `client` to `service`'s VIP `address:port` through the
    service's waypoint; None when the service uses none (or the port is not HTTP)."""
    service_port = service.port(port)
    if service_port is None or request.scheme != "http" or not is_http(service_port.protocol):
        return None
    pods = waypoint_pods(hop.view, service)
    if not pods:
        return None
    waypoint = pods[0] if len(pods) == 1 else hop.state.rng.choice(pods)
    hop = hop.seen_by(view_for_proxy(hop.cluster, waypoint.obj))
    peer = Peer(client.ip, client, mtls=True)  # HBONE from the client's ztunnel
    denied = authorize_waypoint(hop.view, waypoint, service, port, request, peer)
    if denied is not None:
        reply = envoy.rejection(denied, hop.now)
        proxylogs.outbound(hop, waypoint, request, reply, address=address, port=port,
                           upstream_host="", cluster="", route="", details=denied.details,
                           downstream=client.ip)  # fmt: skip
        return Delivery(reply, None, address, port, reply.duration, via_envoy=True)
    from .outbound import outbound

    proxy = Proxy(WAYPOINT, waypoint, service.hostname)
    return outbound(hop, waypoint, proxy, request, address, port, downstream=client.ip)


__all__ = ["from_gateway", "ingress_uses_waypoint", "through_waypoint", "waypoint_name",
           "waypoint_pods"]  # fmt: skip
