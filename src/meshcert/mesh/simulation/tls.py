"""HTTPS from a client with a sidecar: Envoy cannot read the request, so it routes the TLS
connection by SNI (`route_tcp`): to a ServiceEntry host's endpoints, through the
PassthroughCluster to the original address (ALLOW_ANY), or into the BlackHoleCluster
(REGISTRY_ONLY), where the handshake fails (curl exit 35, istio.io
docs/tasks/traffic-management/egress/egress-control "Change to the blocking-by-default policy").

Each connection leaves the TCP proxy's access log line with the SNI as the requested server
name (egress-control "Access an external HTTPS service": `"- - -" 0 - ... "172.217.161.36:443"
outbound|443||www.google.com ... www.google.com`). The byte counts are the request and response
plus typical TLS 1.3 handshake sizes (the proxy sees only ciphertext).

`inbound_tls` is the server side: a TLS connection reaching a pod. A gateway's Envoy picks the
filter chain by SNI and terminates TLS with the server's credential (`mesh/gateways/tls.py`),
the handshake runs as `mesh/security/certificates_tls.negotiate` describes, and the decrypted
request goes on through the gateway as plain HTTP with `x-forwarded-proto: https`, answered
over HTTP/2 when ALPN chose it (secure-ingress: `HTTP/2 418`). No filter chain or no usable
credential closes the connection (curl 35). A PASSTHROUGH server hands the bytes to the
backend, and the lab's apps (like any pod without a TLS server) fail the handshake.
"""

from __future__ import annotations

from dataclasses import replace

from meshcert.mesh import hosts
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.destinations import UpstreamCluster
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.gateways.tls import Terminating, server_tls, tls_only
from meshcert.mesh.routing import BlackHole, NoListener, PassThrough, Proxy, route_tcp
from meshcert.mesh.routing.proxies import is_gateway_workload
from meshcert.mesh.security.certificates_tls import ClientTls, closed, negotiate
from meshcert.mesh.security.peers import Peer

from . import pools, proxylogs
from .deliveries import Delivery, Failure
from .engine import direct, to_internet
from .hops import Hop
from .messages import request_size, response_size
from .upstreams import upstream_for

CLIENT_HANDSHAKE = 517  # curl's ClientHello
SERVER_HANDSHAKE = 4400  # ServerHello, certificate chain and the session tickets


def outbound_tls(
    hop: Hop, client: Workload, proxy: Proxy, request: HttpRequest, address: str, port: int
) -> Delivery:
    sni = hosts.strip_port(request.authority).lower()
    outcome = route_tcp(hop.view, proxy, address, port, sni)
    if isinstance(outcome, NoListener):
        return Delivery(None, Failure.REFUSED, address, port)

    def log(got: Delivery, cluster: str, upstream_host: str = "",
            flags: tuple[str, ...] = ()) -> Delivery:  # fmt: skip
        sent = 0 if got.response is None else SERVER_HANDSHAKE + response_size(got.response)
        proxylogs.tcp(hop, client, address=address, port=port,
                      received=CLIENT_HANDSHAKE + request_size(request) if sent else 0,
                      sent=sent, cluster=cluster, upstream_host=upstream_host, flags=flags,
                      server_name=sni)  # fmt: skip
        return got

    if isinstance(outcome, BlackHole):
        # the BlackHoleCluster has no hosts: Envoy closes the connection (UH)
        return log(Delivery(None, Failure.TLS, address, port, 0.001), outcome.cluster,
                   flags=("UH",))  # fmt: skip
    if isinstance(outcome, PassThrough):
        got = direct(hop, client, client.ip, request, address, port)
        return log(Delivery(got.response, got.failure, address, port, got.duration,
                            got.via_envoy, got.http2),
                   "PassthroughCluster", f"{address}:{port}")  # fmt: skip
    chosen = outcome.pick(hop.state.rng)
    upstream = upstream_for(hop.view, proxy, chosen.destination, proxy.namespace)
    if upstream is None:
        return Delivery(None, Failure.RESET, address, port, 0.001)
    candidates = pools.healthy(hop, upstream)
    if not candidates:
        return log(Delivery(None, Failure.RESET, address, port, 0.001), upstream.name,
                   flags=("UH",))  # fmt: skip
    endpoint = pools.choose(hop, upstream, candidates)
    if endpoint.workload is not None:
        got = inbound_tls(hop, endpoint.workload, endpoint.port, request, client.ip)
        return log(Delivery(got.response, got.failure, address, port, got.duration,
                            got.via_envoy, got.http2, got.handshake),
                   upstream.name, f"{endpoint.workload.ip}:{endpoint.port}",
                   () if got.response is not None else ("UF",))  # fmt: skip
    name = endpoint.address if not hosts.is_ip(endpoint.address) else sni
    got = to_internet(hop, name, request, address, endpoint.port)
    target = f"{got.remote_ip or endpoint.address}:{endpoint.port}"
    return log(Delivery(got.response, got.failure, address, port, got.duration, False,
                        got.http2),
               upstream.name, target, () if got.response is not None else ("UF",))  # fmt: skip


HANDSHAKE_TIME = 0.002  # virtual seconds of a TLS 1.3 handshake on the cluster network
ORIGINATING_MODES = frozenset({"SIMPLE", "MUTUAL"})


def originated(upstream: UpstreamCluster, request: HttpRequest) -> HttpRequest:
    """The request as a proxy sends it to an external endpoint: over TLS it originates when
    the cluster's DestinationRule `tls.mode` is SIMPLE or MUTUAL (istio.io
    docs/tasks/traffic-management/egress/egress-tls-origination: `http://edition.cnn.com`
    with the ServiceEntry's port 80 -> targetPort 443 gets `HTTP/1.1 200 OK`)."""
    tls = upstream.policy.tls
    if tls is None or tls.mode not in ORIGINATING_MODES or request.scheme == "https":
        return request
    return replace(request, scheme="https")


def client_hello(request: HttpRequest) -> ClientTls:
    """What the client offers: its own settings, else the defaults with the SNI taken from
    the authority (no SNI for an IP address, as curl sends none)."""
    if request.tls is not None:
        return request.tls
    host = hosts.strip_port(request.authority).lower()
    return ClientTls(sni="" if hosts.is_ip(host) else host)


def plaintext_refused(hop: Hop, workload: Workload, port: int) -> Delivery | None:
    """Plain HTTP reaching a gateway port where every server speaks TLS: Envoy finds no
    filter chain and closes the connection (curl 52); None when the port takes plain HTTP."""
    key = ("is-gateway", workload.namespace, workload.name)
    gateway = hop.view.memo(key)
    if gateway is None:
        gateway = hop.view.remember(key, is_gateway_workload(workload))
    if not gateway or not tls_only(hop.view, workload, port):
        return None
    return Delivery(None, Failure.EMPTY, workload.ip, port, 0.001)


def inbound_tls(hop: Hop, workload: Workload, port: int, request: HttpRequest,
                client_ip: str) -> Delivery:  # fmt: skip
    """An https `request` from `client_ip` reaching `workload` on `port`."""
    from . import inbound
    from .engine import fetcher

    if not (workload.has_sidecar and is_gateway_workload(workload)):
        return Delivery(None, Failure.TLS, workload.ip, port, 0.001, handshake=closed())
    hello = client_hello(request)
    chain = server_tls(hop.cluster, hop.view, workload, port, hello.sni)
    if not isinstance(chain, Terminating):
        return Delivery(None, Failure.TLS, workload.ip, port, 0.001, handshake=closed())
    handshake = negotiate(hello, chain.server, hop.now)
    if not handshake.ok:
        return Delivery(None, Failure.TLS, workload.ip, port, HANDSHAKE_TIME,
                        handshake=handshake)  # fmt: skip
    inner = replace(request, scheme="http", tls=None).with_header("x-forwarded-proto", "https")
    client = hop.view.workload_for_ip(client_ip) if client_ip else None
    got = inbound.deliver_http(hop, workload, port, inner, Peer(client_ip, client),
                               fetcher(hop, workload))  # fmt: skip
    return Delivery(got.response, got.failure, got.remote_ip, got.remote_port,
                    got.duration + HANDSHAKE_TIME, got.via_envoy, handshake.alpn == "h2",
                    handshake)  # fmt: skip


__all__ = ["client_hello", "inbound_tls", "originated", "outbound_tls", "plaintext_refused"]
