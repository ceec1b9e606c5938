"""The client's sidecar: what its Envoy does with an outbound HTTP request.

Routing comes from `meshcert.mesh.routing.route_http`; this module carries it out:
- faults first (delay, then abort, each by percentage, drawn from the lab's generator); an
  injected delay or abort is outside the route's timeout and never retried;
- the weighted destination, the route's rewrite and header operations, mirrors (a copy with
  the Host suffixed `-shadow`, its answer dropped);
- attempts: 1 + retries.attempts, each with `x-envoy-attempt-count`, per-try timeouts, the
  route timeout over all attempts (504 `upstream request timeout`, UT), connection failures
  (503 UF; URX when retries ran out), no endpoints (503 `no healthy upstream`, UH), an undefined
  subset (503, NC), connection-pool overflow (503, UO), outlier ejection;
- the response relayed with `server: envoy` and `x-envoy-upstream-service-time`, then the
  route's response header operations; an access log line when logging is on. A gateway's
  Envoy names itself `istio-envoy` (Istio sets the gateway connection manager's server_name
  to EnvoyServerName, pilot/pkg/networking/core/gateway.go; the ingress-control task shows
  `server: istio-envoy`).

Sources: envoyproxy/envoy source/common/router/router.cc (retries, timeouts, shadowing),
source/extensions/filters/http/fault (abort body, DI/FI flags), Istio's task pages
docs/tasks/traffic-management/{fault-injection,request-timeouts,circuit-breaking,mirroring}.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from meshcert.mesh import hosts, internet
from meshcert.mesh.config.routes import Destination, RetryPolicy
from meshcert.mesh.config.services import Endpoint
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.destinations import upstream_cluster
from meshcert.mesh.exchanges import HttpRequest, HttpResponse
from meshcert.mesh.routing import (
    BlackHole,
    DirectResponse,
    NoListener,
    NoRoute,
    PassThrough,
    Proxy,
    Redirect,
    Routed,
    route_http,
)
from meshcert.mesh.security.mtls import Handshake, client_tls_mode, handshake
from meshcert.mesh.security.peers import Peer

from . import envoy, inbound, pools, proxylogs
from .deliveries import Delivery, Failure
from .engine import direct, fetcher, to_internet
from .hops import Hop
from .messages import request_size, request_with, response_size, response_with, set_header
from .upstreams import Upstream, upstream_for

ENVOY_LATENCY = 0.0004  # seconds one Envoy adds to a request
RETRY_BACKOFF = 0.025  # Envoy's base retry interval
CONNECT_TIMEOUT = 10.0  # DestinationRule connectTimeout default
RESET_BEFORE_HEADERS = "upstream connect error or disconnect/reset before headers. "
# The client's TLS met a plaintext listener (istio/istio issues 53030, 53368: ISTIO_MUTUAL to a
# pod without a sidecar); a connection failure, so retried by Istio's default policy.
TLS_FAILURE = (
    "remote connection failure, transport failure reason: TLS_error:|268435703:SSL "
    "routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end:TLS_error_end"
)
TLS_FAILURE_DETAILS = (  # router.cc: reset reason|transport failure, spaces as underscores
    "upstream_reset_before_response_started{remote_connection_failure|TLS_error:|268435703:"
    "SSL_routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end:TLS_error_end}"
)
# The server's proxy closed a plaintext connection under STRICT mTLS (UC, not retried).
TERMINATION = "connection termination"
GATEWAY_SERVER = "istio-envoy"  # Istio's EnvoyServerName, the server_name of gateways
Answer = Callable[..., Delivery]
REMAINING_PENDING = "circuit_breakers.default.remaining_pending"  # a gauge, not a counter
_CLASS_STATS = {n: f"upstream_rq_{n}xx" for n in range(1, 6)}
_STATUS_STATS: dict[int, tuple[str, str]] = {}
_HOP_BY_HOP = envoy.HOP_BY_HOP


def _status_stats(status: int) -> tuple[str, str]:
    """The two counters an upstream answer with `status` bumps (`upstream_rq_2xx`,
    `upstream_rq_200`), named once per status."""
    names = (_CLASS_STATS.get(status // 100, "upstream_rq_other"), f"upstream_rq_{status}")
    _STATUS_STATS[status] = names
    return names


class Attempt(NamedTuple):
    """One try at the upstream: the response (Envoy's own on failure), where it went, and
    why it failed (`UF`, `UH`, `UO`, `NC` or ""); `details` overrides the access log's
    %RESPONSE_CODE_DETAILS% (else derived from the flags). A named tuple: one or two per
    request, and a tuple is quicker to make than a frozen dataclass."""

    response: HttpResponse
    upstream_host: str = ""
    cluster: str = ""
    failure: str = ""
    details: str = ""
    # the upstream's answer, not yet relayed (the caller relays the one it keeps, once):
    # how long the upstream took; None for a response the proxy made or already relayed
    service_time: float | None = None


def _envoy_request(hop: Hop, request: HttpRequest) -> HttpRequest:
    """Hop-by-hop headers dropped; x-forwarded-proto and x-request-id added when absent."""
    kept: list[tuple[str, str]] = []
    proto = request_id = True
    for header in request.headers:
        name = header[0]
        if name in _HOP_BY_HOP:
            continue
        if name == "x-forwarded-proto":
            proto = False
        elif name == "x-request-id":
            request_id = False
        kept.append(header)
    if proto:
        kept.append(("x-forwarded-proto", request.scheme))
    if request_id:
        kept.append(("x-request-id", envoy.request_id(hop.state.request_ids)))
    return request_with(request, tuple(kept))


def outbound(
    hop: Hop,
    client: Workload,
    proxy: Proxy,
    request: HttpRequest,
    address: str,
    port: int,
    concurrency: int = 1,
    downstream: str = "",
    claims: Mapping[str, Any] | None = None,
) -> Delivery:
    """`client`'s proxy handles `request` sent to `address:port`; `downstream` is the
    caller's address when the proxy is a gateway (default: the client itself); `claims` are
    the claims of the token the gateway's JWT filter verified (for claim-based routing)."""
    got = _outbound(hop, client, proxy, request, address, port, concurrency, downstream, claims)
    if proxy.is_gateway and request.scheme != "https" and got.response is not None:
        # server_header_transformation OVERWRITE with the gateway's server_name
        headers = tuple(
            (name, GATEWAY_SERVER) if name == "server" and value == "envoy" else (name, value)
            for name, value in got.response.headers
        )
        return replace(got, response=response_with(got.response, headers=headers))
    return got


def _outbound(
    hop: Hop,
    client: Workload,
    proxy: Proxy,
    request: HttpRequest,
    address: str,
    port: int,
    concurrency: int,
    downstream: str,
    claims: Mapping[str, Any] | None = None,
) -> Delivery:
    if request.scheme == "https":
        from .tls import outbound_tls

        return outbound_tls(hop, client, proxy, request, address, port)
    original = request
    request = _envoy_request(hop, request)
    outcome = route_http(hop.view, proxy, request, port, claims)
    now = hop.now
    if isinstance(outcome, PassThrough | BlackHole) and outcome.opaque:
        return _virtual_outbound(hop, client, outcome, original, address, port, downstream)

    def answer(response: HttpResponse, cluster: str = "", route: str = "",
               upstream_host: str = "", details: str = "") -> Delivery:  # fmt: skip
        if proxylogs.logging_on(hop, client):
            proxylogs.outbound(hop, client, request, response, address=address, port=port,
                               upstream_host=upstream_host, cluster=cluster, route=route,
                               details=details, downstream=downstream)  # fmt: skip
        return Delivery.relayed(response, address, port)

    if isinstance(outcome, Routed):
        return _routed(hop, client, proxy, outcome, request, address, port, concurrency, answer)
    if isinstance(outcome, NoListener):
        return Delivery(None, Failure.REFUSED, address, port)
    if isinstance(outcome, NoRoute):
        return answer(envoy.local_reply("NR", now, duration=ENVOY_LATENCY))
    if isinstance(outcome, Redirect):
        reply = envoy.redirect_response(outcome.status, outcome.location, now)
        reply = _with_headers(reply, outcome.response_headers.apply(reply.headers))
        return answer(reply, route=outcome.route_name, details="direct_response")
    if isinstance(outcome, DirectResponse):
        reply = envoy.direct_response(outcome.status, outcome.body.decode(), now)
        reply = _with_headers(reply, outcome.response_headers.apply(reply.headers))
        return answer(reply, route=outcome.route_name, details="direct_response")
    if isinstance(outcome, BlackHole):
        reply = envoy.local_reply("BLACKHOLE", now, duration=ENVOY_LATENCY)
        return answer(reply, route=outcome.route_name, details="direct_response")
    return _passthrough(hop, client, request, address, port, answer)


def _virtual_outbound(hop: Hop, client: Workload, outcome: PassThrough | BlackHole,
                      request: HttpRequest, address: str, port: int,
                      downstream: str) -> Delivery:  # fmt: skip
    """No HTTP listener on the port: the virtualOutbound listener's TCP proxy. ALLOW_ANY
    passes the bytes to the original destination untouched; REGISTRY_ONLY's BlackHoleCluster
    has no hosts, so the connection is closed (curl 56, access-log flag UH)."""
    if isinstance(outcome, BlackHole):
        proxylogs.tcp(hop, client, address=address, port=port, received=0, sent=0,
                      cluster=outcome.cluster, upstream_host="", flags=("UH",),
                      downstream=downstream)  # fmt: skip
        return Delivery(None, Failure.RESET, address, port, ENVOY_LATENCY)
    got = direct(hop, client, client.ip, request, address, port)
    if got.failure in (Failure.REFUSED, Failure.CONNECT_TIMEOUT):
        # The client is connected to its sidecar, whose TCP proxy holds the request unread
        # while it connects upstream; when that fails it closes the downstream socket with
        # unread data, which the kernel answers with a reset (curl 56).
        waited = min(got.duration, CONNECT_TIMEOUT)
        got = Delivery(None, Failure.RESET, address, port, waited)
    sent = 0 if got.response is None else response_size(got.response)
    proxylogs.tcp(hop, client, address=address, port=port, received=request_size(request),
                  sent=sent, cluster=outcome.cluster, upstream_host=f"{address}:{port}",
                  flags=("UF",) if got.failure else (), downstream=downstream)  # fmt: skip
    return Delivery(got.response, got.failure, address, port, got.duration + ENVOY_LATENCY,
                    got.via_envoy, got.http2)  # fmt: skip


def _with_headers(response: HttpResponse, headers: tuple[tuple[str, str], ...]) -> HttpResponse:
    return response_with(response, headers=headers)


def _passthrough(hop: Hop, client: Workload, request: HttpRequest, address: str, port: int,
                 answer: Answer) -> Delivery:  # fmt: skip
    upstream = _peer_metadata(request, client)
    got = direct(hop, client, client.ip, upstream, address, port)
    cluster = "PassthroughCluster"
    if got.response is None:  # a reset after connecting (a STRICT sidecar) is a termination
        kind = "UC" if got.failure is Failure.RESET else "UF"
        reply = envoy.local_reply(kind, hop.now, duration=min(got.duration, CONNECT_TIMEOUT))
        return answer(reply, cluster=cluster, route="allow_any", upstream_host=f"{address}:{port}")
    relayed = envoy.relay(got.response, got.duration)
    relayed = response_with(relayed, duration=got.duration + ENVOY_LATENCY)
    return answer(relayed, cluster=cluster, route="allow_any",
                  upstream_host=f"{got.remote_ip or address}:{port}")  # fmt: skip


def _peer_metadata(request: HttpRequest, client: Workload) -> HttpRequest:
    """Istio's metadata exchange headers, sent to upstreams that are not in the mesh."""
    node = f"sidecar~{client.ip}~{client.name}.{client.namespace}~{client.namespace}.svc." \
           "cluster.local"  # fmt: skip
    return set_header(request, "x-envoy-peer-metadata-id", node)


def _routed(
    hop: Hop,
    client: Workload,
    proxy: Proxy,
    outcome: Routed,
    request: HttpRequest,
    address: str,
    port: int,
    concurrency: int,
    answer: Answer,
) -> Delivery:
    rng = hop.state.rng
    now = hop.now
    delay = 0.0
    flags: list[str] = []
    fault = outcome.fault
    if fault is not None:
        if (
            fault.delay
            and fault.delay_percentage > 0
            and rng.random() * 100 < fault.delay_percentage
        ):
            delay = fault.delay
            flags.append("DI")
        aborts = fault.abort_status or fault.abort_grpc_status
        if aborts and fault.abort_percentage > 0 and rng.random() * 100 < fault.abort_percentage:
            if fault.abort_status:
                reply = envoy.local_reply("FI", now, status=fault.abort_status,
                                          duration=delay + ENVOY_LATENCY)  # fmt: skip
            else:
                reply = envoy.grpc_abort(str(fault.abort_grpc_status), now, delay + ENVOY_LATENCY)
            reply = response_with(reply, flags=(*flags, "FI"))
            return answer(reply, route=outcome.route_name, details="fault_filter_abort")
    chosen = outcome.pick(rng)
    passes = outcome.passes_headers
    upstream_request = request if passes else outcome.upstream_request(request, chosen)
    for mirror in outcome.mirrors:
        if mirror.percentage >= 100 or rng.random() * 100 < mirror.percentage:
            _mirror(hop, client, proxy, mirror.destination, upstream_request, port)
    if outcome.opaque:
        return _opaque(hop, client, proxy, chosen.destination, request, address, port)
    response, attempt = _with_retries(hop, client, proxy, outcome, chosen.destination,
                                      upstream_request, port, concurrency)  # fmt: skip
    ops = None if passes else outcome.response_operations(chosen)
    if ops:
        response = _with_headers(response, ops.apply(response.headers))
    if flags:
        response = response_with(response, flags=(*flags, *response.flags))
    if delay:
        response = response_with(response, duration=response.duration + delay)
    return answer(response, cluster=attempt.cluster, route=outcome.route_name,
                  upstream_host=attempt.upstream_host, details=attempt.details)  # fmt: skip


def _opaque(hop: Hop, client: Workload, proxy: Proxy, destination: Destination,
            request: HttpRequest, address: str, port: int) -> Delivery:  # fmt: skip
    """HTTP bytes on a port the mesh treats as TCP: proxied as they are, no Envoy headers,
    no retries; no endpoint = the connection is closed (curl 56)."""
    upstream = upstream_for(hop.view, proxy, destination, proxy.namespace)
    candidates = pools.healthy(hop, upstream) if upstream is not None else []
    if upstream is None or not candidates:
        return Delivery(None, Failure.RESET, address, port, ENVOY_LATENCY)
    endpoint = pools.choose(hop, upstream, candidates, client.locality)
    if endpoint.workload is None:
        got = _to_external(hop, upstream, endpoint.address, request, endpoint.port)
    else:
        mode = client_tls_mode(hop.view, client, upstream, endpoint)
        shake = handshake(hop.view, mode, endpoint.workload, endpoint.port)
        if shake.failed:
            return Delivery(None, Failure.RESET, address, port, ENVOY_LATENCY)
        peer = Peer(client.ip, client, shake.mtls)
        got = inbound.deliver_http(hop, endpoint.workload, endpoint.port, request, peer,
                                   fetcher(hop, endpoint.workload), opaque=True)  # fmt: skip
    return Delivery(got.response, got.failure, address, port, got.duration + ENVOY_LATENCY)


def _with_retries(
    hop: Hop,
    client: Workload,
    proxy: Proxy,
    outcome: Routed,
    destination: Destination,
    request: HttpRequest,
    port: int,
    concurrency: int,
) -> tuple[HttpResponse, Attempt]:
    """The response Envoy returns after 1 + retries attempts, and the last attempt."""
    retries: RetryPolicy = outcome.retries
    attempts = 1 + max(retries.attempts, 0)
    timeout = outcome.timeout
    per_try = retries.per_try_timeout
    elapsed = 0.0
    retried = False
    tried: set[str] | None = None  # Istio's retry policy: previous_hosts (retry/retry.go)
    for number in range(1, attempts + 1):
        sent = set_header(request, "x-envoy-attempt-count", str(number))
        result = _attempt(hop, client, proxy, destination, sent, port, concurrency, tried)
        service_time = result.service_time
        took = result.response.duration if service_time is None else service_time + ENVOY_LATENCY
        timed_out_try = per_try is not None and took > per_try
        if timeout is not None and elapsed + min(took, per_try or took) > timeout:
            reply = envoy.local_reply("UT", hop.now, duration=timeout + ENVOY_LATENCY)
            return reply, Attempt(reply, result.upstream_host, result.cluster, "UT")
        if timed_out_try:
            assert per_try is not None
            elapsed += per_try
            result = Attempt(envoy.local_reply("UT", hop.now), result.upstream_host,
                             result.cluster, "UT")  # fmt: skip
            service_time = None
            retry = retries.retries_status(504) or "reset" in retries.retry_on
        else:
            elapsed += took
            if not result.failure:
                retry = retries.retries_status(result.response.status)
            elif result.failure == "UF":
                retry = retries.retries_connect_failure()
            elif result.failure == "UC":
                retry = bool(retries.retry_on & {"reset", "5xx"})
            else:  # UH, UO, NC: not retried
                retry = False
        if retry and number < attempts:
            retried = True
            elapsed += RETRY_BACKOFF
            if result.upstream_host:
                tried = tried or set()
                tried.add(result.upstream_host)
            continue
        if service_time is None:
            response = response_with(result.response, duration=elapsed + ENVOY_LATENCY)
        else:
            response = envoy.relay(result.response, service_time, elapsed + ENVOY_LATENCY)
        if retried and result.failure in ("UF", "UC"):
            response = _retried_text(response)
        if retried and result.failure in ("UF", "UT") and retry:
            response = response_with(response, flags=(*response.flags, "URX"))
        return response, result
    raise AssertionError("unreachable")  # pragma: no cover


def _attempt(
    hop: Hop,
    client: Workload,
    proxy: Proxy,
    destination: Destination,
    request: HttpRequest,
    port: int,
    concurrency: int,
    tried: set[str] | None = None,
) -> Attempt:
    """One try. `tried`: the hosts earlier tries of this request went to; a retry picks
    another when the pool has one (Envoy's previous_hosts retry predicate, which Istio sets
    on every route with up to 5 reselections: pilot/pkg/networking/core/route/retry/retry.go)."""
    now = hop.now
    upstream = upstream_cluster(hop.view, proxy, destination, proxy.workload.namespace)
    if upstream is None:
        cluster = f"outbound|{destination.port or port}|{destination.subset or ''}|" \
                  f"{destination.host}"  # fmt: skip
        return Attempt(envoy.local_reply("NC", now), cluster=cluster, failure="NC")
    counters = _counters(hop, client, upstream)
    if proxy.is_gateway:  # istio.io/ingress-use-waypoint: the service's waypoint takes it
        from .waypoints import from_gateway

        via = from_gateway(hop, client, upstream.service, request, upstream.port.port)
        if via is not None:
            if via.response is None:
                return Attempt(envoy.local_reply("UF", now), "", upstream.name, "UF")
            relayed = response_with(envoy.relay(via.response, via.duration),
                                    duration=via.duration + ENVOY_LATENCY)  # fmt: skip
            return Attempt(relayed, f"{via.remote_ip}:{via.remote_port}", upstream.name)
    candidates = pools.healthy(hop, upstream)
    if not candidates:
        counters.bump("upstream_cx_none_healthy")
        return Attempt(envoy.local_reply("UH", now), cluster=upstream.name, failure="UH")
    if concurrency > 1 and pools.overflows(hop, upstream, concurrency):
        counters.bump("upstream_rq_pending_total", "upstream_rq_pending_overflow")
        return Attempt(envoy.local_reply("UO", now), cluster=upstream.name, failure="UO")
    counters.bump("upstream_rq_pending_total", "upstream_rq_total")
    if tried:
        fresh = [e for e in candidates if f"{e.address}:{e.port}" not in tried]
        candidates = fresh or candidates
    endpoint = pools.choose(hop, upstream, candidates, client.locality)
    if endpoint.workload is not None:
        leg = _leg(hop, client, proxy, upstream, endpoint)
        target = leg.target
        if leg.shake.failed:
            pools.record(hop, upstream, endpoint, 503)
            return Attempt(_reset_reply(TLS_FAILURE, "UF", now), target, upstream.name, "UF",
                           TLS_FAILURE_DETAILS)  # fmt: skip
        sent = request if leg.keeps_metadata else _peer_metadata(request, client)
        got = inbound.deliver_http(hop, endpoint.workload, endpoint.port, sent, leg.peer,
                                   fetcher(hop, endpoint.workload))  # fmt: skip
    else:
        target = f"{endpoint.address}:{endpoint.port}"
        got = _to_external(hop, upstream, endpoint.address, request, endpoint.port)
        if got.remote_ip and not hosts.is_ip(endpoint.address):
            # a DNS ServiceEntry: Envoy's upstream host is the address the name resolved to
            # (egress-control's access log: "httpbin.org" "35.173.6.94:80" outbound|80||...)
            target = f"{got.remote_ip}:{endpoint.port}"
    response = got.response
    if response is None:
        waited = min(got.duration, CONNECT_TIMEOUT)
        pools.record(hop, upstream, endpoint, 503)
        if got.failure is Failure.RESET and endpoint.has_sidecar:
            reply = _reset_reply(TERMINATION, "UC", now, waited)
            return Attempt(reply, target, upstream.name, "UC")
        return Attempt(envoy.local_reply("UF", now, duration=waited), target, upstream.name, "UF")
    status = response.status
    if upstream.policy.outlier_detection is not None:
        pools.record(hop, upstream, endpoint, status)
    counters.bump(*(_STATUS_STATS.get(status) or _status_stats(status)))
    return Attempt(response, target, upstream.name, service_time=got.duration)


@dataclass(frozen=True)
class _Leg:
    """What does not change between requests from one client to one in-mesh endpoint of a
    cluster while the configuration stays the same: the upstream host as the access log
    names it, the TLS handshake, the peer the server sees, and whether the request goes
    without Istio's metadata-exchange headers (the server has a sidecar, or HBONE carries
    them)."""

    target: str
    shake: Handshake
    peer: Peer
    keeps_metadata: bool


def _leg(hop: Hop, client: Workload, proxy: Proxy, upstream: Upstream, endpoint: Endpoint) -> _Leg:
    key = ("leg", client.namespace, client.name, upstream.name, endpoint.address, endpoint.port)
    found: _Leg | None = hop.view.memos.get(key)
    if found is None:
        assert endpoint.workload is not None
        mode = client_tls_mode(hop.view, client, upstream, endpoint)
        shake = handshake(hop.view, mode, endpoint.workload, endpoint.port)
        found = hop.view.remember(key, _Leg(
            f"{endpoint.address}:{endpoint.port}", shake, Peer(client.ip, client, shake.mtls),
            endpoint.has_sidecar or proxy.is_waypoint))  # fmt: skip
    return found


def _reset_reply(reason: str, flag: str, now: datetime, duration: float = 0.0) -> HttpResponse:
    """Envoy's 503 for an upstream reset before the response headers (router.cc)."""
    reply = envoy.local_reply("UF", now, duration=duration)
    body = f"{RESET_BEFORE_HEADERS}reset reason: {reason}".encode()
    headers = tuple((n, str(len(body)) if n == "content-length" else v)
                    for n, v in reply.headers)  # fmt: skip
    return response_with(reply, headers=headers, body=body, flags=(flag,))


def _retried_text(response: HttpResponse) -> HttpResponse:
    """After retries Envoy says `... retried and the latest reset reason: ...` (router.cc)."""
    prefix = f"{RESET_BEFORE_HEADERS}reset reason: ".encode()
    if not response.body.startswith(prefix):
        return response
    body = (
        RESET_BEFORE_HEADERS.encode()
        + b"retried and the latest "
        + response.body[len(RESET_BEFORE_HEADERS) :]
    )
    headers = tuple((n, str(len(body)) if n == "content-length" else v)
                    for n, v in response.headers)  # fmt: skip
    return response_with(response, headers=headers, body=body)


def _counters(hop: Hop, client: Workload, upstream: Upstream) -> _Counters:
    """`client`'s proxy's counters of `upstream` (one object per view and cluster)."""
    key = ("counters", client.namespace, client.name, upstream.name)
    found: _Counters | None = hop.view.memos.get(key)
    if found is None:
        table = hop.state.stats.setdefault((client.namespace, client.name), {})
        found = hop.view.remember(key, _Counters(table, upstream.name))
        # Istio's thresholds track remaining capacity (TrackRemaining), so Envoy publishes the
        # gauge the circuit-breaking task greps: `circuit_breakers.default.remaining_pending:
        # 1`. Requests complete one at a time here, so the remaining capacity is the
        # configured one (set again whenever the configuration changes).
        found.set(REMAINING_PENDING, upstream.policy.connection_pool.http1_max_pending_requests)
    return found


class _Counters:
    """Envoy's `cluster.<name>.<stat>` counters of one proxy, keyed (cluster, stat)."""

    __slots__ = ("_cluster", "_table")

    def __init__(self, table: dict[tuple[str, str], int], cluster: str) -> None:
        self._table = table
        self._cluster = cluster

    def bump(self, *stats: str) -> None:
        table = self._table
        for stat in stats:
            key = (self._cluster, stat)
            table[key] = table.get(key, 0) + 1

    def set(self, stat: str, value: int) -> None:
        """A gauge."""
        self._table[(self._cluster, stat)] = value


def _to_external(hop: Hop, upstream: Upstream, address: str, request: HttpRequest,
                 port: int) -> Delivery:  # fmt: skip
    """A ServiceEntry endpoint: a DNS name or a static address outside the cluster."""
    if hosts.is_ip(address):
        found = internet.host_at(address)
        name = found.name if found is not None else ""
    else:
        name = address
    if internet.host_named(name) is None:
        workload = hop.view.workload_for_ip(address)
        if workload is not None:
            return inbound.deliver_http(hop, workload, port, request, Peer(""),
                                        fetcher(hop, workload))  # fmt: skip
        return Delivery(None, Failure.CONNECT_TIMEOUT, address, port, CONNECT_TIMEOUT)
    from .tls import originated  # DestinationRule tls SIMPLE/MUTUAL: TLS origination

    return to_internet(hop, name, originated(upstream, request), address, port)


def _mirror(hop: Hop, client: Workload, proxy: Proxy, destination: Destination,
            request: HttpRequest, port: int) -> None:  # fmt: skip
    """Fire and forget a copy to `destination` with the Host suffixed `-shadow`."""
    host = hosts.strip_port(request.authority)
    suffix = request.authority[len(host) :]
    shadow = request_with(request, request.headers, authority=f"{host}-shadow{suffix}")
    _attempt(hop, client, proxy, destination, set_header(shadow, "x-envoy-attempt-count", "1"),
             port, 1)  # fmt: skip


__all__ = ["outbound"]
