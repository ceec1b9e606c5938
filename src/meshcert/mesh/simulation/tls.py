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
backend chosen by the VirtualService `tls` route on SNI; a backend app that terminates TLS
itself (nginx) answers with its own certificate, any other fails the handshake.
"""

from __future__ import annotations

from dataclasses import replace

from meshcert.kube.execution.environment import mounted_file
from meshcert.mesh import hosts
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.destinations import UpstreamCluster
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.gateways.tls import Passthrough, Terminating, server_tls, tls_only
from meshcert.mesh.routing import BlackHole, NoListener, PassThrough, Proxy, route_tcp
from meshcert.mesh.routing.proxies import is_gateway_workload
from meshcert.mesh.security.certificates_tls import (
    ClientTls,
    ServerTls,
    closed,
    negotiate,
    not_tls,
)
from meshcert.mesh.security.enforcement import admit_connection, admit_tcp
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
    endpoint = pools.choose(hop, upstream, candidates, client.locality)
    if endpoint.workload is not None:
        got = inbound_tls(hop, endpoint.workload, endpoint.port, request, client.ip)
        return log(Delivery(got.response, got.failure, address, port, got.duration,
                            got.via_envoy, got.http2, got.handshake),
                   upstream.name, f"{endpoint.workload.ip}:{endpoint.port}",
                   () if got.response is not None else ("UF",))  # fmt: skip
    name = endpoint.address if not hosts.is_ip(endpoint.address) else sni
    if upstream.policy.tls is not None and upstream.policy.tls.mode in ORIGINATING_MODES:
        # a DestinationRule originating TLS for a port the app already speaks TLS on: the
        # site gets TLS inside TLS and answers the app's ClientHello in plain HTTP (istio.io
        # egress-tls-origination applies the rule to port 80 only for this reason)
        return log(Delivery(None, Failure.TLS, address, port, HANDSHAKE_TIME,
                            handshake=not_tls()), upstream.name,
                   f"{endpoint.address}:{endpoint.port}")  # fmt: skip
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
                client_ip: str, *, loopback: bool = False) -> Delivery:  # fmt: skip
    """An https `request` from `client_ip` reaching `workload` on `port` (`loopback`: from
    inside the pod)."""
    from . import inbound
    from .engine import fetcher

    if not (workload.has_sidecar and is_gateway_workload(workload)):
        return _app_tls(hop, workload, port, request, client_ip, loopback)
    hello = client_hello(request)
    chain = server_tls(hop.cluster, hop.view, workload, port, hello.sni)
    if isinstance(chain, Passthrough):
        return _passthrough(hop, workload, port, request, client_ip, chain)
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


def _passthrough(hop: Hop, workload: Workload, port: int, request: HttpRequest,
                 client_ip: str, chain: Passthrough) -> Delivery:  # fmt: skip
    """A PASSTHROUGH server: the gateway reads only the SNI and proxies the bytes to the
    destination of the VirtualService `tls` route matching it (istio.io
    docs/tasks/traffic-management/ingress/ingress-sni-passthrough), where the backend
    terminates TLS itself. AUTO_PASSTHROUGH routes on SNI names Istio builds for
    multi-cluster east-west traffic, which a single-cluster lab does not model."""
    from . import inbound

    if chain.mode == "AUTO_PASSTHROUGH":
        return Delivery(None, Failure.TLS, workload.ip, port, 0.001, handshake=closed())
    client = hop.view.workload_for_ip(client_ip) if client_ip else None
    peer = Peer(client_ip, client)
    if not (admit_connection(hop.view, workload, port, peer)
            and admit_tcp(hop.view, workload, port, peer)):  # fmt: skip
        return Delivery(None, Failure.TLS, workload.ip, port, 0.001, handshake=closed())
    server_port = inbound.gateway_server_port(hop, workload, port)
    got = outbound_tls(hop, workload, Proxy.gateway(workload), request, workload.ip, server_port)
    return Delivery(got.response, got.failure, workload.ip, port, got.duration, got.via_envoy,
                    got.http2, got.handshake)  # fmt: skip


def _app_tls(hop: Hop, workload: Workload, port: int, request: HttpRequest, client_ip: str,
             loopback: bool) -> Delivery:  # fmt: skip
    """TLS to a pod that is not a gateway: an app that terminates TLS itself (nginx with a
    `listen ... ssl` server) completes the handshake with its own certificate; behind a
    sidecar the bytes pass the inbound proxy as TCP (its connection and TCP policies apply).
    Any other app fails the handshake: the connection closes (curl 35)."""
    from . import inbound
    from .engine import fetcher

    found = inbound.serving_container(workload, port)
    refused = Delivery(None, Failure.TLS, workload.ip, port, 0.001, handshake=closed())
    if found is None or found[1].tls is None:
        return refused
    container = found[0]
    hello = client_hello(request)
    server = found[1].tls(lambda path: mounted_file(hop.cluster, workload.obj, container, path),
                          port, hello.sni)  # fmt: skip
    if not isinstance(server, ServerTls):
        return refused
    client = hop.view.workload_for_ip(client_ip) if client_ip else None
    peer = Peer(client_ip, client)
    if (
        workload.has_sidecar
        and not loopback
        and not admit_connection(hop.view, workload, port, peer)
    ):
        return refused
    handshake = negotiate(hello, server, hop.now)
    if not handshake.ok:
        return Delivery(None, Failure.TLS, workload.ip, port, HANDSHAKE_TIME,
                        handshake=handshake)  # fmt: skip
    inner = replace(request, tls=None)  # the app knows it came over TLS (scheme https)
    got = inbound.deliver_http(hop, workload, port, inner, peer, fetcher(hop, workload),
                               opaque=True, loopback=loopback)  # fmt: skip
    return Delivery(got.response, got.failure, got.remote_ip, got.remote_port,
                    got.duration + HANDSHAKE_TIME, False, handshake.alpn == "h2",
                    handshake)  # fmt: skip


__all__ = ["client_hello", "inbound_tls", "originated", "outbound_tls", "plaintext_refused"]
