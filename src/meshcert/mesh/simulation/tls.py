"""HTTPS from a client with a sidecar: Envoy cannot read the request, so it routes the TLS
connection by SNI (`route_tcp`): to a ServiceEntry host's endpoints, through the
PassthroughCluster to the original address (ALLOW_ANY), or into the BlackHoleCluster
(REGISTRY_ONLY), where the handshake fails (curl exit 35, istio.io
docs/tasks/traffic-management/egress/egress-control "Change to the blocking-by-default policy").
"""

from __future__ import annotations

from meshcert.mesh import hosts
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing import BlackHole, NoListener, PassThrough, Proxy, route_tcp

from . import pools
from .deliveries import Delivery, Failure
from .engine import direct, to_internet
from .hops import Hop
from .upstreams import upstream_for


def outbound_tls(
    hop: Hop, client: Workload, proxy: Proxy, request: HttpRequest, address: str, port: int
) -> Delivery:
    sni = hosts.strip_port(request.authority).lower()
    outcome = route_tcp(hop.view, proxy, address, port, sni)
    if isinstance(outcome, NoListener):
        return Delivery(None, Failure.REFUSED, address, port)
    if isinstance(outcome, BlackHole):
        return Delivery(None, Failure.TLS, address, port, 0.001)
    if isinstance(outcome, PassThrough):
        got = direct(hop, client, client.ip, request, address, port)
        return Delivery(got.response, got.failure, address, port, got.duration,
                        got.via_envoy, got.http2)  # fmt: skip
    chosen = outcome.pick(hop.state.rng)
    upstream = upstream_for(hop.view, proxy, chosen.destination, proxy.namespace)
    if upstream is None:
        return Delivery(None, Failure.RESET, address, port, 0.001)
    candidates = pools.healthy(hop, upstream)
    if not candidates:
        return Delivery(None, Failure.RESET, address, port, 0.001)
    endpoint = pools.choose(hop, upstream, candidates)
    if endpoint.workload is not None:
        return Delivery(None, Failure.TLS, address, port, 0.001)
    name = endpoint.address if not hosts.is_ip(endpoint.address) else sni
    got = to_internet(hop, name, request, address, endpoint.port)
    return Delivery(got.response, got.failure, address, port, got.duration, False, got.http2)


__all__ = ["outbound_tls"]
