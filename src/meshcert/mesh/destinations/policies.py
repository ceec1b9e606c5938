"""Traffic policies as values, with Istio's defaults and merge rules.

Sources: networking/v1alpha3/destination_rule.proto; pilot/pkg/networking/core/
cluster_traffic_policy.go (connection-pool thresholds default to 2^32-1, connect timeout 10 s
from meshConfig.connectTimeout, LEAST_REQUEST by default, outlier detection only when set:
consecutive 5xx 5, interval 10 s, base ejection 30 s, max ejection 10 %) and
pilot/pkg/networking/util MergeTrafficPolicy (a subset's connectionPool / outlierDetection /
loadBalancer / tls each replace the top-level field; a matching portLevelSettings entry
replaces all four, unset ones falling back to defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config.values import duration_or

MAX_UINT32 = 2**32 - 1
FIELDS = ("connectionPool", "outlierDetection", "loadBalancer", "tls")


@dataclass(frozen=True)
class LoadBalancer:
    simple: str = "LEAST_REQUEST"
    consistent_hash: Mapping[str, Any] | None = None
    locality: Mapping[str, Any] | None = None
    warmup: float | None = None

    @classmethod
    def parse(cls, spec: Any) -> LoadBalancer:
        if not isinstance(spec, dict):
            return cls()
        simple = str(spec.get("simple") or "LEAST_REQUEST")
        if simple == "LEAST_CONN":
            simple = "LEAST_REQUEST"
        ch = spec.get("consistentHash")
        return cls(
            simple=simple if not isinstance(ch, dict) else "CONSISTENT_HASH",
            consistent_hash=ch if isinstance(ch, dict) else None,
            locality=spec.get("localityLbSetting")
            if isinstance(spec.get("localityLbSetting"), dict)
            else None,
            warmup=duration_or(spec.get("warmupDurationSecs"), None),
        )


@dataclass(frozen=True)
class ConnectionPool:
    max_connections: int = MAX_UINT32
    connect_timeout: float = 10.0
    http1_max_pending_requests: int = MAX_UINT32
    http2_max_requests: int = MAX_UINT32
    max_requests_per_connection: int = 0
    max_retries: int = MAX_UINT32
    idle_timeout: float | None = None
    max_concurrent_streams: int = MAX_UINT32

    @classmethod
    def parse(cls, spec: Any, connect_timeout: float = 10.0) -> ConnectionPool:
        if not isinstance(spec, dict):
            return cls(connect_timeout=connect_timeout)
        tcp = spec.get("tcp") or {}
        http = spec.get("http") or {}

        def num(part: Mapping[str, Any], key: str, default: int) -> int:
            value = part.get(key)
            return int(value) if isinstance(value, int) and value > 0 else default

        return cls(
            max_connections=num(tcp, "maxConnections", MAX_UINT32),
            connect_timeout=duration_or(tcp.get("connectTimeout"), connect_timeout)
            or connect_timeout,
            http1_max_pending_requests=num(http, "http1MaxPendingRequests", MAX_UINT32),
            http2_max_requests=num(http, "http2MaxRequests", MAX_UINT32),
            max_requests_per_connection=num(http, "maxRequestsPerConnection", 0),
            max_retries=num(http, "maxRetries", MAX_UINT32),
            idle_timeout=duration_or(http.get("idleTimeout"), None),
            max_concurrent_streams=num(http, "maxConcurrentStreams", MAX_UINT32),
        )


@dataclass(frozen=True)
class OutlierDetection:
    consecutive_5xx: int = 5
    consecutive_gateway_errors: int | None = None
    consecutive_local_origin_failures: int | None = None
    interval: float = 10.0
    base_ejection_time: float = 30.0
    max_ejection_percent: int = 10
    min_health_percent: int = 0
    split_external_local_origin_errors: bool = False

    @classmethod
    def parse(cls, spec: Any) -> OutlierDetection | None:
        if not isinstance(spec, dict):
            return None
        c5 = spec.get("consecutive5xxErrors", spec.get("consecutiveErrors"))
        gw = spec.get("consecutiveGatewayErrors")
        lo = spec.get("consecutiveLocalOriginFailures")
        mep = spec.get("maxEjectionPercent")
        mhp = spec.get("minHealthPercent")
        return cls(
            consecutive_5xx=int(c5) if isinstance(c5, int) else 5,
            consecutive_gateway_errors=int(gw) if isinstance(gw, int) else None,
            consecutive_local_origin_failures=int(lo) if isinstance(lo, int) else None,
            interval=duration_or(spec.get("interval"), 10.0) or 10.0,
            base_ejection_time=duration_or(spec.get("baseEjectionTime"), 30.0) or 30.0,
            max_ejection_percent=int(mep) if isinstance(mep, int) else 10,
            min_health_percent=int(mhp) if isinstance(mhp, int) else 0,
            split_external_local_origin_errors=bool(spec.get("splitExternalLocalOriginErrors")),
        )


@dataclass(frozen=True)
class ClientTls:
    """A DestinationRule's `tls`: mode DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL."""

    mode: str = "DISABLE"
    sni: str = ""
    credential_name: str = ""
    ca_certificates: str = ""
    subject_alt_names: tuple[str, ...] = ()
    insecure_skip_verify: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, spec: Any) -> ClientTls | None:
        if not isinstance(spec, dict):
            return None
        return cls(
            mode=str(spec.get("mode") or "DISABLE"),
            sni=str(spec.get("sni") or ""),
            credential_name=str(spec.get("credentialName") or ""),
            ca_certificates=str(spec.get("caCertificates") or ""),
            subject_alt_names=tuple(str(s) for s in spec.get("subjectAltNames") or []),
            insecure_skip_verify=bool(spec.get("insecureSkipVerify")),
            raw=spec,
        )


@dataclass(frozen=True)
class TrafficPolicy:
    """The effective policy of one cluster. `tls` None = no explicit DestinationRule TLS
    (auto mTLS decides per endpoint)."""

    load_balancer: LoadBalancer = LoadBalancer()
    connection_pool: ConnectionPool = ConnectionPool()
    outlier_detection: OutlierDetection | None = None
    tls: ClientTls | None = None

    @classmethod
    def parse(cls, spec: Mapping[str, Any] | None, connect_timeout: float = 10.0) -> TrafficPolicy:
        spec = spec or {}
        return cls(
            LoadBalancer.parse(spec.get("loadBalancer")),
            ConnectionPool.parse(spec.get("connectionPool"), connect_timeout),
            OutlierDetection.parse(spec.get("outlierDetection")),
            ClientTls.parse(spec.get("tls")),
        )


def _port_level(policy: Mapping[str, Any], port: int | None) -> dict[str, Any]:
    """`policy` with a matching portLevelSettings entry applied (replacing all four fields)."""
    out = {k: policy[k] for k in FIELDS if k in policy}
    if port is None:
        return out
    for entry in policy.get("portLevelSettings") or []:
        if isinstance(entry, dict) and (entry.get("port") or {}).get("number") == port:
            return {k: entry[k] for k in FIELDS if k in entry}
    return out


def merge(
    top: Mapping[str, Any] | None, subset: Mapping[str, Any] | None, port: int | None
) -> dict[str, Any]:
    """MergeTrafficPolicy: the top-level policy at `port`, overridden field by field by the
    subset's, then by the subset's matching portLevelSettings."""
    merged = _port_level(top or {}, port)
    if subset is None:
        return merged
    for k in FIELDS:
        if k in subset:
            merged[k] = subset[k]
    if port is not None:
        for entry in subset.get("portLevelSettings") or []:
            if isinstance(entry, dict) and (entry.get("port") or {}).get("number") == port:
                merged = {k: entry[k] for k in FIELDS if k in entry}
                break
    return merged


__all__ = [
    "MAX_UINT32",
    "ClientTls",
    "ConnectionPool",
    "LoadBalancer",
    "OutlierDetection",
    "TrafficPolicy",
    "merge",
]
