"""The entry points of the request simulation and the plain network under the proxies.

`lookup(cluster, pod, name)` resolves a name as the pod's resolver would; `exchange(cluster,
pod, request, address, port)` sends one request to an address and port from a pod (or from
nowhere in particular, pod None) and returns what the client gets back.

Without a sidecar (or from the istio-proxy container itself, whose traffic iptables lets
through), a connection goes where the address leads: a Service cluster IP picks one ready
endpoint at random as kube-proxy does (no endpoints: connection refused; a port the Service
does not have: nothing answers), a pod IP reaches the pod, a public address reaches the
simulated internet, anything else times out. With a sidecar, `outbound` routes it first.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from meshcert.mesh import internet
from meshcert.mesh.apps.serving import Fetch
from meshcert.mesh.config.services import KUBERNETES, Service
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing import Proxy, proxy_for
from meshcert.mesh.security.peers import Peer

from . import dns, inbound
from .deliveries import Delivery, Failure
from .hops import MAX_DEPTH, Hop
from .state import view_for_proxy

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

Obj = Mapping[str, Any]
PROXY_CONTAINER = "istio-proxy"
SYN_TIMEOUT = 130.0  # seconds until the kernel gives up on an unanswered connect
APP_USER_AGENT = "python-requests/2.32.3"


def client_workload(hop: Hop, pod: Obj | None) -> Workload | None:
    if pod is None:
        return None
    meta = pod.get("metadata") or {}
    key = ("client", meta.get("namespace", ""), meta.get("name", ""))
    found = hop.view.memos.get(key)
    if found is None:
        found = hop.view.workload(str(meta.get("namespace", "")), str(meta.get("name", "")))
        if found is not None:
            hop.view.remember(key, found)
    if isinstance(found, Workload):
        return found
    return Workload.from_pod(pod, hop.view.namespaces.get(str(meta.get("namespace", ""))) or {})


def lookup(cluster: Cluster, pod: Obj | None, name: str) -> str | None:
    """The IPv4 address `name` resolves to inside `pod` (None: the name does not resolve)."""
    hop = Hop.start(cluster)
    client = client_workload(hop, pod)
    namespace = client.namespace if client is not None else "default"
    capture = client is not None and client.has_sidecar and dns.dns_capture(hop.view, pod)
    return dns.resolve(hop.view, name, namespace, capture)


def lookup_record(cluster: Cluster, pod: Obj | None, name: str) -> tuple[str, str] | None:
    """(answering name, IPv4 address) of `name` inside `pod`, as nslookup shows it."""
    hop = Hop.start(cluster)
    client = client_workload(hop, pod)
    namespace = client.namespace if client is not None else "default"
    capture = client is not None and client.has_sidecar and dns.dns_capture(hop.view, pod)
    return dns.record(hop.view, name, namespace, capture)


def exchange(
    cluster: Cluster,
    pod: Obj | None,
    request: HttpRequest,
    address: str,
    port: int,
    *,
    timeout: float | None = None,
    connect_timeout: float | None = None,
    container: str = "",
    concurrency: int = 1,
) -> Delivery:
    """Send `request` from `pod` to `address:port` (call with `cluster.lock` held).

    `timeout` is the client's own limit (curl --max-time): past it the client gives up with
    Failure.TIMEOUT, although the servers still did their work (their logs show it).
    `concurrency` is how many requests the client keeps in flight (fortio -c).
    """
    hop = Hop.start(cluster)
    hop.state.request_counter += 1
    client = client_workload(hop, pod)
    bypass = container == PROXY_CONTAINER
    delivery = send(hop, client, request, address, port, bypass=bypass, concurrency=concurrency)
    if delivery.failure is Failure.CONNECT_TIMEOUT and connect_timeout is not None:
        delivery = Delivery(None, Failure.CONNECT_TIMEOUT, delivery.remote_ip, port,
                            min(delivery.duration, connect_timeout))  # fmt: skip
    if timeout is not None and delivery.duration > timeout:
        delivery = Delivery(None, Failure.TIMEOUT, delivery.remote_ip, port, timeout)
    hop.state.clock += delivery.duration
    return delivery


def send(
    hop: Hop,
    client: Workload | None,
    request: HttpRequest,
    address: str,
    port: int,
    *,
    bypass: bool = False,
    concurrency: int = 1,
) -> Delivery:
    """One request from `client` through its sidecar (if any) to `address:port`."""
    if hop.depth > MAX_DEPTH:
        return Delivery(None, Failure.RESET, address, port)
    proxy = None if bypass or client is None else _proxy(hop, client)
    if proxy is not None and client is not None and not intercepted(client, address, port):
        proxy = None
    if proxy is not None and client is not None:
        hop = hop.seen_by(view_for_proxy(hop.cluster, client.obj, hop.state))
        return _outbound_proxy()(hop, client, proxy, request, address, port, concurrency)
    client_ip = client.ip if client is not None else ""
    return direct(hop, client, client_ip, request, address, port)


@functools.cache
def _outbound_proxy() -> Callable[..., Delivery]:
    """`outbound.outbound` (imported on first use: outbound imports this module)."""
    from .outbound import outbound

    return outbound


INCLUDE_RANGES = "traffic.sidecar.istio.io/includeOutboundIPRanges"
EXCLUDE_RANGES = "traffic.sidecar.istio.io/excludeOutboundIPRanges"
INCLUDE_PORTS = "traffic.sidecar.istio.io/includeOutboundPorts"
EXCLUDE_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts"


def intercepted(client: Workload, address: str, port: int) -> bool:
    """Whether istio-init's iptables send this connection to the sidecar: the pod annotations
    traffic.sidecar.istio.io/{include,exclude}Outbound{IPRanges,Ports} (istio.io
    docs/reference/config/annotations; egress-control "Direct access to external services")."""
    if not client.redirect_annotations:
        return True
    annotations = client.redirect_annotations
    ports = {p.strip() for p in str(annotations.get(EXCLUDE_PORTS, "")).split(",")}
    if str(port) in ports:
        return False
    include_ports = str(annotations.get(INCLUDE_PORTS, ""))
    if (
        include_ports
        and include_ports != "*"
        and str(port) in {p.strip() for p in include_ports.split(",")}
    ):
        return True
    if _in_ranges(address, str(annotations.get(EXCLUDE_RANGES, ""))):
        return False
    include = annotations.get(INCLUDE_RANGES)
    if include is None or str(include).strip() == "*":
        return True
    return _in_ranges(address, str(include))


def _in_ranges(address: str, ranges: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in ranges.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def _proxy(hop: Hop, client: Workload) -> Proxy | None:
    key = ("proxy", client.namespace, client.name, client.ip)
    found = hop.view.memos.get(key)
    if found is None:
        found = hop.view.remember(key, proxy_for(client) or False)
    return found if isinstance(found, Proxy) else None


def direct(
    hop: Hop,
    client: Workload | None,
    client_ip: str,
    request: HttpRequest,
    address: str,
    port: int,
) -> Delivery:
    """Where a plain connection to `address:port` leads (kube-proxy, pod IPs, the internet)."""
    view = hop.view
    if address.startswith("127."):
        return _loopback(hop, client, request, address, port)
    for service in view.services_for_address(address):
        if service.origin != KUBERNETES:
            continue
        if client is not None and client.ambient:  # ztunnel: the service's waypoint first
            from .waypoints import through_waypoint

            waypointed = through_waypoint(hop, client, service, request, address, port)
            if waypointed is not None:
                return waypointed
        if service.port(port) is None:
            return Delivery(None, Failure.CONNECT_TIMEOUT, address, port, SYN_TIMEOUT)
        ready = [e for e in view.endpoints(service, port) if e.workload is not None]
        if not ready:
            return Delivery(None, Failure.REFUSED, address, port)
        endpoint = ready[0] if len(ready) == 1 else hop.state.rng.choice(ready)
        assert endpoint.workload is not None
        return _remote(deliver_to(hop, endpoint.workload, endpoint.port, request, client_ip),
                       address)  # fmt: skip
    entry = entry_point(hop, address, port)
    if entry is not None:
        service, service_port = entry
        ready = [e for e in view.endpoints(service, service_port) if e.workload is not None]
        if not ready:
            return Delivery(None, Failure.REFUSED, address, port)
        endpoint = ready[0] if len(ready) == 1 else hop.state.rng.choice(ready)
        assert endpoint.workload is not None
        return _remote(deliver_to(hop, endpoint.workload, endpoint.port, request, client_ip),
                       address)  # fmt: skip
    workload = view.workload_for_ip(address)
    if workload is not None:
        return deliver_to(hop, workload, port, request, client_ip)
    external = internet.host_at(address)
    if external is not None:
        return to_internet(hop, external.name, request, address, port)
    return Delivery(None, Failure.CONNECT_TIMEOUT, address, port, SYN_TIMEOUT)


def _loopback(hop: Hop, client: Workload | None, request: HttpRequest, address: str,
              port: int) -> Delivery:  # fmt: skip
    """Inside the pod: loopback reaches the pod's own containers and never its sidecar's
    interception; the sidecar's own admin (15000) and health (15021) ports answer."""
    if client is None:
        return Delivery(None, Failure.REFUSED, address, port)
    if client.has_sidecar and port in (15000, 15021):
        from .admin import admin_response

        response = admin_response(hop, client, request, port)
        return Delivery(response, None, address, port, response.duration, via_envoy=True)
    if request.scheme == "https":
        from .tls import inbound_tls

        return inbound_tls(hop, client, port, request, address, loopback=True)
    return inbound.deliver_http(hop, client, port, request, Peer(address, client),
                                fetcher(hop, client), opaque=True, loopback=True)  # fmt: skip


def entry_point(hop: Hop, address: str, port: int) -> tuple[Service, int] | None:
    """A Service reached from outside: a LoadBalancer ingress IP and port, or any node's
    InternalIP and a NodePort (kubernetes.io docs/concepts/services-networking/service)."""
    table = hop.view.memos.get(("entry-points",))
    if table is None:
        table = hop.view.remember(("entry-points",), _entry_points(hop))
    found = table.get((address, port))
    return found if isinstance(found, tuple) else None


def _entry_points(hop: Hop) -> dict[tuple[str, int], tuple[Service, int]]:
    nodes = hop.cluster.store.list(hop.cluster.kind("", "nodes"))
    node_ips = [str(a.get("address")) for n in nodes
                for a in (n.get("status") or {}).get("addresses") or []
                if a.get("type") == "InternalIP"]  # fmt: skip
    out: dict[tuple[str, int], tuple[Service, int]] = {}
    for service in hop.view.services:
        if service.origin != KUBERNETES:
            continue
        status = service.obj.get("status") or {}
        ips = [str(i.get("ip")) for i in (status.get("loadBalancer") or {}).get("ingress") or []
               if i.get("ip")]  # fmt: skip
        for spec_port in (service.obj.get("spec") or {}).get("ports") or []:
            number = int(spec_port.get("port") or 0)
            for ip in ips:
                out[(ip, number)] = (service, number)
            node_port = spec_port.get("nodePort")
            if isinstance(node_port, int):
                for ip in node_ips:
                    out[(ip, node_port)] = (service, number)
    return out


def _remote(delivery: Delivery, address: str) -> Delivery:
    """What the client sees as the remote address: the address it connected to."""
    return Delivery(delivery.response, delivery.failure, address, delivery.remote_port,
                    delivery.duration, delivery.via_envoy, delivery.http2,
                    delivery.handshake)  # fmt: skip


def deliver_to(
    hop: Hop, workload: Workload, port: int, request: HttpRequest, client_ip: str
) -> Delivery:
    if request.scheme == "https":  # gateways terminate TLS; the sample apps speak plain HTTP
        from .tls import inbound_tls

        return inbound_tls(hop, workload, port, request, client_ip)
    if workload.has_sidecar:  # a gateway's TLS-only port refuses plain HTTP
        from .tls import plaintext_refused

        refused = plaintext_refused(hop, workload, port)
        if refused is not None:
            return refused
    client = hop.view.workload_for_ip(client_ip) if client_ip else None
    return inbound.deliver_http(hop, workload, port, request, Peer(client_ip, client),
                                fetcher(hop, workload))  # fmt: skip


def to_internet(hop: Hop, name: str, request: HttpRequest, address: str, port: int) -> Delivery:
    host = internet.host_named(name)
    if host is None:
        return Delivery(None, Failure.CONNECT_TIMEOUT, address, port, SYN_TIMEOUT)
    expected = 443 if request.scheme == "https" else 80
    if port not in (80, 443):
        return Delivery(None, Failure.CONNECT_TIMEOUT, host.address, port, SYN_TIMEOUT)
    if port != expected:
        # plain HTTP to a TLS port, or TLS to a plain port: the handshake or reply fails
        failure = Failure.TLS if request.scheme == "https" else Failure.EMPTY
        return Delivery(None, failure, host.address, port, internet.LATENCY)
    response = host.serve(request, hop.now)
    return Delivery(response, None, host.address, port, response.duration,
                    http2=request.scheme == "https")  # fmt: skip


def fetcher(hop: Hop, workload: Workload) -> Fetch:
    """How an app in `workload` calls a URL: DNS then `send` as the pod (through its sidecar)."""

    def fetch(url: str, headers: tuple[tuple[str, str], ...], timeout: float | None) -> Delivery:
        scheme, _, rest = url.partition("://")
        authority, slash, path = rest.partition("/")
        host, _, port_text = authority.partition(":")
        port = int(port_text) if port_text.isdigit() else (443 if scheme == "https" else 80)
        capture = workload.has_sidecar and dns.dns_capture(hop.view, workload.obj)
        address = dns.resolve(hop.view, host, workload.namespace, capture)
        if address is None:
            return Delivery(None, Failure.RESOLVE)
        names = {n.lower() for n, _ in headers}
        base = [("accept", "*/*")] if "accept" not in names else []
        if "user-agent" not in names:
            base.insert(0, ("user-agent", APP_USER_AGENT))
        request = HttpRequest("GET", authority, slash + path, scheme, (*base, *headers))
        delivery = send(hop.deeper(), workload, request, address, port)
        if timeout is not None and delivery.duration > timeout:
            return Delivery(None, Failure.TIMEOUT, address, port, timeout)
        return delivery

    return fetch


__all__ = ["client_workload", "deliver_to", "direct", "entry_point", "exchange", "fetcher",
           "lookup",
           "lookup_record", "send",
           "to_internet"]  # fmt: skip
