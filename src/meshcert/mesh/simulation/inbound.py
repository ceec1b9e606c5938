"""The server side of a hop: a request arriving at a pod's address and port, through the pod's
inbound sidecar if it has one, to the app its container image runs.

- The app is the container whose image's server listens on the port (`meshcert.mesh.apps`);
  none listening = connection refused, or behind a sidecar the inbound Envoy's 503
  `upstream connect error ... connection failure` (UF).
- Behind a sidecar the app sees the connection from 127.0.0.6 (Istio's inbound passthrough
  source address since 1.10, istio.io blog "Upcoming networking changes in Istio 1.10");
  the response leaves with `server: envoy` and `x-envoy-upstream-service-time`.
- A HEAD request gets the GET response's headers and no body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshcert.kube.execution.environment import container_environment, mounted_file
from meshcert.mesh.apps.catalogue import app_for
from meshcert.mesh.apps.serving import App, Call, Fetch
from meshcert.mesh.config.workloads import PROXY_CONTAINER, Workload
from meshcert.mesh.exchanges import HttpRequest, HttpResponse
from meshcert.mesh.gateways.routing import gateway_servers
from meshcert.mesh.routing import Proxy
from meshcert.mesh.security.enforcement import (
    admit_connection,
    admit_http,
    admit_http_authenticated,
    admit_tcp,
    admit_ztunnel,
    filters_http,
)
from meshcert.mesh.security.mtls import with_client_cert
from meshcert.mesh.security.peers import Peer, Rejection

from . import envoy, proxylogs
from .deliveries import Delivery, Failure
from .hops import Hop
from .jwks_fetching import istiod_keys
from .messages import response_with, set_header

INBOUND_PEER = "127.0.0.6"
Obj = Mapping[str, Any]


def _plan(hop: Hop, workload: Workload, port: int) -> tuple[tuple[Obj, App] | None, bool]:
    """(the app container listening on `port` with its app, whether the JWT or RBAC filters
    have anything to check): fixed for a view, so worked out once per workload and port."""
    key = ("inbound", workload.namespace, workload.name, workload.ip, port)
    found = hop.view.memos.get(key)
    if found is None:
        filters = workload.has_sidecar and filters_http(hop.view, workload)
        found = hop.view.remember(key, (serving_container(workload, port), filters))
    plan: tuple[tuple[Obj, App] | None, bool] = found  # (not typing.cast: a call)
    return plan


def serving_container(workload: Workload, port: int) -> tuple[Obj, App] | None:
    """The app container listening on `port`, with its app (None: nothing listens)."""
    containers = [c for c in (workload.obj.get("spec") or {}).get("containers") or []
                  if c.get("name") != PROXY_CONTAINER]  # fmt: skip
    for container in containers:
        app = app_for(str(container.get("image", "")))
        if app.listens_on(port, container):
            return container, app
    return None


def deliver_http(
    hop: Hop,
    workload: Workload,
    port: int,
    request: HttpRequest,
    peer: Peer,
    fetch: Fetch,
    *,
    opaque: bool = False,
    loopback: bool = False,
) -> Delivery:
    """Deliver `request` from `peer` to `workload` at `port` and return what comes back to the
    caller.

    `opaque`: the port is TCP for the mesh (a `tcp-` port name or appProtocol), so the inbound
    sidecar proxies bytes and adds nothing (its TCP policies still apply). `loopback`: from
    inside the pod, which the sidecar does not intercept."""
    if not workload.ip:
        return Delivery(None, Failure.CONNECT_TIMEOUT, workload.ip, port)
    client_ip = peer.ip
    if workload.has_sidecar and workload.is_gateway:
        return _through_gateway(hop, workload, port, request, peer)
    if workload.ambient and not loopback and not admit_ztunnel(hop.view, workload, port, peer):
        return Delivery(None, Failure.RESET, workload.ip, port)  # ztunnel's L4 policy
    intercepted = workload.has_sidecar and not loopback
    # an mTLS connection always survives the handshake (`mtls.accepts`): asked only without
    if intercepted and not peer.mtls and not admit_connection(hop.view, workload, port, peer):
        return Delivery(None, Failure.RESET, workload.ip, port)
    found, filters = _plan(hop, workload, port)
    if workload.has_sidecar and not opaque:
        if not filters:  # no JWT or RBAC filter: only the XFCC header
            admitted: HttpRequest | Rejection = with_client_cert(hop.view, workload, request, peer)
        else:
            admitted = admit_http(hop.view, workload, port, request, peer, hop.now,
                                  istiod_keys(hop))  # fmt: skip
        if isinstance(admitted, Rejection):
            reply = envoy.rejection(admitted, hop.now)
            proxylogs.inbound(hop, workload, port, request, reply, client_ip, "",
                              details=admitted.details)  # fmt: skip
            return Delivery(reply, remote_ip=workload.ip, remote_port=port, via_envoy=True)
        request = admitted
        if found is None or found[1].http is None:
            reply = envoy.local_reply("UF", hop.now)
            proxylogs.inbound(hop, workload, port, request, reply, client_ip, "")
            return Delivery(reply, remote_ip=workload.ip, remote_port=port, via_envoy=True)
        container, app = found
        response = _run_app(hop, workload, container, app, port, request, INBOUND_PEER, fetch)
        relayed = envoy.relay(response, response.duration)
        if proxylogs.logging_on(hop, workload):
            proxylogs.inbound(hop, workload, port, request, relayed, client_ip,
                              f"{workload.ip}:{port}")  # fmt: skip
        return Delivery.relayed(relayed, workload.ip, port)
    if workload.has_sidecar and not loopback and not admit_tcp(hop.view, workload, port, peer):
        return Delivery(None, Failure.RESET, workload.ip, port)
    if found is None:
        failure = Failure.RESET if workload.has_sidecar else Failure.REFUSED
        return Delivery(None, failure, workload.ip, port)
    container, app = found
    if app.http is None:  # a TCP server that does not speak HTTP closes on the request
        return Delivery(None, Failure.EMPTY, workload.ip, port)
    response = _run_app(hop, workload, container, app, port, request, client_ip, fetch)
    return Delivery(response, None, workload.ip, port, response.duration)


def _through_gateway(
    hop: Hop, workload: Workload, port: int, request: HttpRequest, peer: Peer
) -> Delivery:
    """An ingress or egress gateway pod: its Envoy routes by its Gateways' servers; the client
    address goes in X-Forwarded-For (the gateway is the edge: use_remote_address). Policies
    selecting the gateway apply before routing."""
    from .outbound import outbound

    client_ip = peer.ip
    if not admit_connection(hop.view, workload, port, peer):
        return Delivery(None, Failure.RESET, workload.ip, port)
    admitted = admit_http_authenticated(hop.view, workload, port, request, peer, hop.now,
                                        istiod_keys(hop))  # fmt: skip
    if isinstance(admitted, Rejection):
        reply = envoy.rejection(admitted, hop.now)
        logged = request
        if client_ip and request.header("x-forwarded-for") is None:
            logged = set_header(request, "x-forwarded-for", client_ip)
        proxylogs.outbound(hop, workload, logged, reply, address=workload.ip, port=port,
                           upstream_host="", cluster="", route="", details=admitted.details,
                           downstream=client_ip)  # fmt: skip
        return Delivery(reply, remote_ip=workload.ip, remote_port=port, via_envoy=True)
    request, authn = admitted
    claims = authn.claims if authn.principal else None  # the verified token's, for routing

    if client_ip and request.header("x-forwarded-for") is None:
        request = set_header(request, "x-forwarded-for", client_ip)
        request = set_header(request, "x-envoy-external-address", client_ip)
    server_port = gateway_server_port(hop, workload, port)
    got = outbound(hop, workload, Proxy.gateway(workload), request, workload.ip, server_port,
                   downstream=client_ip, claims=claims)  # fmt: skip
    return Delivery(got.response, got.failure, workload.ip, port, got.duration, got.via_envoy,
                    got.http2)  # fmt: skip


def gateway_server_port(hop: Hop, workload: Workload, target: int) -> int:
    """The port number the Gateway server listening here is written with: the container
    port the connection arrived on when a server names it (bookinfo-gateway's 8080), else the
    Service port whose targetPort it is (80 -> 8080 on Istio's gateways). VirtualService
    `match.port` is compared with that number, so the gateway router must see it."""
    key = ("gateway-port", workload.namespace, workload.name, target)
    found = hop.view.memos.get(key)
    if found is None:
        found = target
        servers = gateway_servers(hop.view, workload, target)
        if not any(bound.server.port == target for bound in servers):
            for svc in hop.view.services:
                if svc.namespace != workload.namespace or not svc.selector:
                    continue
                if not all(workload.labels.get(k) == v for k, v in svc.selector.items()):
                    continue
                for p in svc.ports:
                    if p.target_port == target and p.port != target:
                        found = p.port
        hop.view.remember(key, found)
    return int(found)


def _run_app(
    hop: Hop,
    workload: Workload,
    container: Obj,
    app: App,
    port: int,
    request: HttpRequest,
    peer: str,
    fetch: Fetch,
) -> HttpResponse:
    assert app.http is not None
    name = str(container.get("name", ""))
    call = Call.made(
        workload.obj,
        container,
        request,
        port,
        peer,
        hop.now,
        fetch,
        lambda line: hop.log(workload.namespace, workload.name, name, line),
        lambda: container_environment(hop.cluster, dict(workload.obj), dict(container)),
        lambda path: mounted_file(hop.cluster, workload.obj, container, path),
    )
    response = app.http(call)
    if request.method == "HEAD" and response.body:
        response = response_with(response, body=b"")
    return response


__all__ = ["INBOUND_PEER", "Peer", "deliver_http", "gateway_server_port", "serving_container"]
