"""TCP connections (nc to tcp-echo, the TCP traffic-shifting task): the bytes a client writes
and what the server writes back, through the client's sidecar (`route_tcp`: weighted tcp
routes, PassthroughCluster, BlackHoleCluster) and gateways.

Sources: istio.io docs/tasks/traffic-management/tcp-traffic-shifting (tcp-echo v1 answers
"one ...", v2 "two ..."), samples/tcp-echo/src/main.go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from meshcert.mesh.config.services import KUBERNETES
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.routing import BlackHole, NoListener, PassThrough, Proxy, proxy_for, route_tcp
from meshcert.mesh.routing.proxies import is_gateway_workload
from meshcert.mesh.security.enforcement import admit_connection, admit_tcp, admit_ztunnel
from meshcert.mesh.security.mtls import client_tls_mode, handshake
from meshcert.mesh.security.peers import Peer

from . import pools, proxylogs
from .deliveries import Failure
from .engine import PROXY_CONTAINER, client_workload, fetcher
from .hops import MAX_DEPTH, Hop
from .inbound import INBOUND_PEER, serving_container
from .state import view_for_proxy
from .upstreams import upstream_for

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

    from .engine import Obj

TCP_LATENCY = 0.0005


@dataclass(frozen=True)
class Stream:
    """What came back on a TCP connection (`failure` when it could not be made)."""

    data: bytes = b""
    failure: Failure | None = None
    duration: float = 0.0


def exchange_tcp(
    cluster: Cluster, pod: Obj | None, address: str, port: int, data: bytes, container: str = ""
) -> Stream:
    """Open a connection from `pod` to `address:port`, write `data`, read until the server
    is done (call with `cluster.lock` held)."""
    hop = Hop.start(cluster)
    hop.state.request_counter += 1
    client = client_workload(hop, pod)
    proxy = None if container == PROXY_CONTAINER else proxy_for(client)
    if proxy is not None and client is not None:
        hop = hop.seen_by(view_for_proxy(cluster, client.obj))
    if proxy is None:
        return _plain(hop, address, port, data, Peer(client.ip if client else "", client))
    return _connect(hop, proxy, address, port, data)


def _connect(
    hop: Hop, proxy: Proxy | None, address: str, port: int, data: bytes, downstream: str = ""
) -> Stream:
    if hop.depth > MAX_DEPTH:
        return Stream(failure=Failure.RESET)
    if proxy is None:
        return _plain(hop, address, port, data, Peer(""))
    plain = Peer(proxy.workload.ip, proxy.workload)
    outcome = route_tcp(hop.view, proxy, address, port)
    if isinstance(outcome, NoListener):
        return Stream(failure=Failure.REFUSED)
    log = TcpLog(hop, proxy, address, port, data, downstream)
    if isinstance(outcome, BlackHole):
        return log.done(Stream(failure=Failure.RESET), "BlackHoleCluster", "")
    if isinstance(outcome, PassThrough):
        return log.done(_plain(hop, address, port, data, plain), "PassthroughCluster",
                        f"{address}:{port}")  # fmt: skip
    chosen = outcome.pick(hop.state.rng)
    upstream = upstream_for(hop.view, proxy, chosen.destination, proxy.namespace)
    if upstream is None:
        return log.done(Stream(failure=Failure.RESET), "", "", ("NC",))
    candidates = pools.healthy(hop, upstream)
    if not candidates:
        return log.done(Stream(failure=Failure.RESET), upstream.name, "", ("UH",))
    endpoint = pools.choose(hop, upstream, candidates, proxy.workload.locality)
    target = f"{endpoint.address}:{endpoint.port}"
    if endpoint.workload is None:
        return log.done(Stream(failure=Failure.RESET), upstream.name, target, ("UF",))
    mode = client_tls_mode(hop.view, proxy.workload, upstream, endpoint)
    shake = handshake(hop.view, mode, endpoint.workload, endpoint.port)
    if shake.failed:  # the client proxy's TLS met a plaintext listener: it closes
        return log.done(Stream(failure=Failure.RESET), upstream.name, target, ("UF",))
    peer = Peer(proxy.workload.ip, proxy.workload, shake.mtls)
    got = _to_workload(hop.deeper(), endpoint.workload, endpoint.port, data, peer)
    return log.done(got, upstream.name, target, ("UF",) if got.failure else ())


@dataclass(frozen=True)
class TcpLog:
    """Writes the proxy's TCP access line once the connection is over."""

    hop: Hop
    proxy: Proxy
    address: str
    port: int
    data: bytes
    downstream: str

    def done(self, stream: Stream, cluster: str, upstream_host: str,
             flags: tuple[str, ...] = ()) -> Stream:  # fmt: skip
        proxylogs.tcp(
            self.hop,
            self.proxy.workload,
            address=self.address,
            port=self.port,
            received=len(self.data),
            sent=len(stream.data),
            cluster=cluster,
            upstream_host=upstream_host,
            flags=flags,
            downstream=self.downstream,
        )
        return stream


def _plain(hop: Hop, address: str, port: int, data: bytes, peer: Peer) -> Stream:
    view = hop.view
    for service in view.services_for_address(address):
        if service.origin != KUBERNETES:
            continue
        if service.port(port) is None:
            return Stream(failure=Failure.CONNECT_TIMEOUT, duration=130.0)
        ready = [e for e in view.endpoints(service, port) if e.workload is not None]
        if not ready:
            return Stream(failure=Failure.REFUSED)
        endpoint = ready[0] if len(ready) == 1 else hop.state.rng.choice(ready)
        assert endpoint.workload is not None
        return _to_workload(hop.deeper(), endpoint.workload, endpoint.port, data, peer)
    from .engine import entry_point

    entry = entry_point(hop, address, port)
    if entry is not None:
        service, number = entry
        ready = [e for e in view.endpoints(service, number) if e.workload is not None]
        if not ready:
            return Stream(failure=Failure.REFUSED)
        endpoint = ready[0] if len(ready) == 1 else hop.state.rng.choice(ready)
        assert endpoint.workload is not None
        return _to_workload(hop.deeper(), endpoint.workload, endpoint.port, data, peer)
    workload = view.workload_for_ip(address)
    if workload is not None:
        return _to_workload(hop.deeper(), workload, port, data, peer)
    return Stream(failure=Failure.CONNECT_TIMEOUT, duration=130.0)


def _to_workload(hop: Hop, workload: Workload, port: int, data: bytes, peer: Peer) -> Stream:
    if workload.has_sidecar and is_gateway_workload(workload):
        if not admit_tcp(hop.view, workload, port, peer):  # the gateway's TCP RBAC filter
            return Stream(failure=Failure.RESET)
        return _connect(hop, Proxy.gateway(workload), workload.ip, port, data)
    if workload.ambient and not admit_ztunnel(hop.view, workload, port, peer):
        return Stream(failure=Failure.RESET)  # ztunnel's L4 policy closes the connection
    if workload.has_sidecar:  # the inbound proxy: handshake, then the TCP RBAC filter
        if not admit_connection(hop.view, workload, port, peer):
            return Stream(failure=Failure.RESET)
        if not admit_tcp(hop.view, workload, port, peer):
            return Stream(failure=Failure.RESET)
    found = serving_container(workload, port)
    if found is None:
        return Stream(failure=Failure.RESET if workload.has_sidecar else Failure.REFUSED)
    container, app = found
    if app.tcp is None:
        return Stream(b"", None, TCP_LATENCY)
    from meshcert.mesh.apps.serving import Call
    from meshcert.mesh.exchanges import HttpRequest

    name = str(container.get("name", ""))
    call = Call(
        pod=workload.obj,
        container=container,
        request=HttpRequest("", ""),
        port=port,
        peer=INBOUND_PEER if workload.has_sidecar else "",
        now=hop.now,
        fetch=fetcher(hop, workload),
        log=lambda line: hop.log(workload.namespace, workload.name, name, line),
    )
    return Stream(app.tcp(call, data), None, TCP_LATENCY)


__all__ = ["Stream", "exchange_tcp"]
