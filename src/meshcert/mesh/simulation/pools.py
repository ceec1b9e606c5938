"""Load balancing, connection pools and outlier detection of an upstream cluster.

- Load balancer: ROUND_ROBIN keeps a cursor per cluster; LEAST_REQUEST (Istio's default) and
  RANDOM draw from the lab's generator (one request at a time: least-request is a random pick
  among equals).
- Connection pool (connectionPool.tcp.maxConnections, http.http1MaxPendingRequests,
  http.http2MaxRequests): with `concurrency` requests in flight a request overflows (503 UO)
  with probability 1 - (capacity / (concurrency + 0.15))^2.25 once concurrency exceeds the
  capacity (connections + pending) less 0.15; a request alone in flight never overflows (Envoy
  has a connection for it whatever the limits). The curve is fitted to the circuit-breaking task's
  published runs (istio.io docs/tasks/traffic-management/circuit-breaking: -c 2 about 15%
  and -c 3 about 63% 503s with maxConnections 1, http1MaxPendingRequests 1); real Envoy's
  share depends on timing, so the lab reproduces the documented proportions.
- Outlier detection (outlierDetection.consecutive5xxErrors, consecutiveGatewayErrors,
  baseEjectionTime, maxEjectionPercent): an endpoint returning that many 5xx in a row is
  ejected for baseEjectionTime x times ejected; the pool never ejects past maxEjectionPercent;
  minHealthPercent 0 (Istio's default) means no panic mode: all ejected = `no healthy upstream`.
"""

from __future__ import annotations

from meshcert.mesh.config.services import Endpoint

from . import localities
from .hops import Hop
from .state import Ejection
from .upstreams import Upstream

LIMIT = 2**32 - 1


def _now(hop: Hop) -> float:
    return hop.now.timestamp() + hop.state.clock


def _key(upstream: Upstream, endpoint: Endpoint) -> tuple[str, str, int]:
    return (upstream.name, endpoint.address, endpoint.port)


def healthy(hop: Hop, upstream: Upstream) -> list[Endpoint]:
    if not hop.state.ejections:
        return list(upstream.endpoints)
    now = _now(hop)
    out = []
    for endpoint in upstream.endpoints:
        record = hop.state.ejections.get(_key(upstream, endpoint))
        if record is not None and record.ejected_until > now:
            continue
        out.append(endpoint)
    return out


def capacity(upstream: Upstream) -> int:
    pool = upstream.policy.connection_pool
    return min(pool.max_connections + pool.http1_max_pending_requests, pool.http2_max_requests)


def overflows(hop: Hop, upstream: Upstream, concurrency: int) -> bool:
    cap = capacity(upstream)
    if concurrency <= 1 or concurrency + 0.15 <= cap:  # a lone request always gets through
        return False
    share: float = 1.0 - float(cap / (concurrency + 0.15)) ** 2.25
    return hop.state.rng.random() < share


def choose(hop: Hop, upstream: Upstream, candidates: list[Endpoint],
           client_locality: str = "") -> Endpoint:  # fmt: skip
    """The endpoint a request goes to: within the locality group locality load balancing
    picks for a client in `client_locality` (`localities.py`), by the load balancer."""
    if client_locality and len(candidates) > 1:
        lb = localities.setting(upstream.policy.load_balancer.locality,
                                hop.view.mesh.raw.get("localityLbSetting"))  # fmt: skip
        narrowed = localities.narrow(candidates, upstream.endpoints, client_locality, lb,
                                     upstream.policy.outlier_detection is not None,
                                     hop.state.rng)  # fmt: skip
        candidates = narrowed or candidates
    if len(candidates) == 1:
        return candidates[0]
    if upstream.policy.load_balancer.simple == "ROUND_ROBIN":
        key = ("rr", upstream.name)
        cursor = hop.state.cursors.get(key, 0)
        hop.state.cursors[key] = cursor + 1
        return candidates[cursor % len(candidates)]
    return hop.state.rng.choice(candidates)


def record(hop: Hop, upstream: Upstream, endpoint: Endpoint, status: int) -> None:
    """Count an upstream answer for outlier detection (only when the policy has it)."""
    detection = upstream.policy.outlier_detection
    if detection is None:
        return
    key = _key(upstream, endpoint)
    rec = hop.state.ejections.setdefault(key, Ejection())
    if status < 500:
        rec.consecutive_5xx = 0
        rec.consecutive_gateway = 0
        return
    rec.consecutive_5xx += 1
    rec.consecutive_gateway = rec.consecutive_gateway + 1 if status in (502, 503, 504) else 0
    limit = detection.consecutive_5xx or LIMIT
    gateway_limit = detection.consecutive_gateway_errors or LIMIT
    if rec.consecutive_5xx < limit and rec.consecutive_gateway < gateway_limit:
        return
    now = _now(hop)
    total = len(upstream.endpoints) or 1
    ejected = sum(
        1
        for e in upstream.endpoints
        if (r := hop.state.ejections.get(_key(upstream, e))) is not None and r.ejected_until > now
    )
    if ejected * 100 / total >= detection.max_ejection_percent:
        return
    rec.times_ejected += 1
    rec.ejected_until = now + detection.base_ejection_time * rec.times_ejected
    rec.consecutive_5xx = 0
    rec.consecutive_gateway = 0


__all__ = ["capacity", "choose", "healthy", "overflows", "record"]
