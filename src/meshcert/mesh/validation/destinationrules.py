"""Istio's webhook validation of DestinationRules.

Source: pkg/config/validation/validation.go (ValidateDestinationRule, validateTrafficPolicy,
validateOutlierDetection, validateConnectionPool, validateLoadBalancer, validateSubset,
validatePortTrafficPolicies) and pkg/config/validation/agent (ValidateTLS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import (
    is_dns1123_label,
    validate_duration,
    validate_export_to,
    validate_labels,
    validate_wildcard_domain,
)
from .errors import Errors

_POLICY_FIELDS = (
    "outlierDetection", "connectionPool", "loadBalancer", "tls", "portLevelSettings", "tunnel",
    "proxyProtocol",
)  # fmt: skip


def _percent(value: Any) -> str | None:
    if isinstance(value, int) and (value < 0 or value > 100):
        return f"percentage {value} is not in range 0..100"
    return None


def _outlier(outlier: Any) -> Errors:
    errs = Errors()
    if not isinstance(outlier, Mapping):
        return errs
    if "baseEjectionTime" in outlier:
        errs.add(validate_duration(outlier["baseEjectionTime"]))
    if (
        not outlier.get("splitExternalLocalOriginErrors")
        and (outlier.get("consecutiveLocalOriginFailures") or 0) > 0
    ):
        errs.add(
            "outlier detection consecutive local origin failures is specified, but split "
            "external local origin errors is set to false"
        )
    if "interval" in outlier:
        errs.add(validate_duration(outlier["interval"]))
    errs.add(_percent(outlier.get("maxEjectionPercent")), _percent(outlier.get("minHealthPercent")))
    return errs


def _connection_pool(pool: Any) -> Errors:
    errs = Errors()
    if not isinstance(pool, Mapping):
        return errs
    http, tcp = pool.get("http"), pool.get("tcp")
    if http is None and tcp is None:
        return errs.add("connection pool must have at least one field")
    if isinstance(http, Mapping):
        for key, text in (
            ("http1MaxPendingRequests", "http1 max pending requests"),
            ("http2MaxRequests", "http2 max requests"),
            ("maxRequestsPerConnection", "max requests per connection"),
            ("maxRetries", "max retries"),
            ("maxConcurrentStreams", "max concurrent streams"),
        ):
            value = http.get(key)
            if isinstance(value, int) and value < 0:
                errs.add(f"{text} must be non-negative")
        if "idleTimeout" in http:
            errs.add(validate_duration(http["idleTimeout"]))
        if http.get("h2UpgradePolicy") == "UPGRADE" and http.get("useClientProtocol"):
            errs.add("use client protocol must not be true when H2UpgradePolicy is UPGRADE")
    if isinstance(tcp, Mapping):
        value = tcp.get("maxConnections")
        if isinstance(value, int) and value < 0:
            errs.add("max connections must be non-negative")
        for key in ("connectTimeout", "maxConnectionDuration"):
            if key in tcp:
                errs.add(validate_duration(tcp[key]))
    return errs


def _load_balancer(lb: Any) -> Errors:
    errs = Errors()
    if not isinstance(lb, Mapping):
        return errs
    ch = lb.get("consistentHash")
    if isinstance(ch, Mapping):
        cookie = ch.get("httpCookie")
        if isinstance(cookie, Mapping) and not cookie.get("name"):
            errs.add("name required for HttpCookie")
    return errs


def _tls(tls: Any) -> Errors:
    errs = Errors()
    if not isinstance(tls, Mapping):
        return errs
    mode = tls.get("mode", "DISABLE")
    if mode == "ISTIO_MUTUAL" or mode == "DISABLE":
        return errs
    if mode == "MUTUAL" and not tls.get("credentialName"):
        if not tls.get("clientCertificate"):
            errs.add("client certificate required for mutual tls")
        if not tls.get("privateKey"):
            errs.add("private key required for mutual tls")
    return errs


def validate_traffic_policy(policy: Any) -> Errors:
    errs = Errors()
    if not isinstance(policy, Mapping):
        return errs
    if not any(k in policy for k in _POLICY_FIELDS):
        return errs.add("traffic policy must have at least one field")
    if "tunnel" in policy and "proxyProtocol" in policy:
        return errs.add("tunnel and proxyProtocol must not be set together")
    errs.add(_outlier(policy.get("outlierDetection")))
    errs.add(_connection_pool(policy.get("connectionPool")))
    errs.add(_load_balancer(policy.get("loadBalancer")))
    errs.add(_tls(policy.get("tls")))
    for entry in policy.get("portLevelSettings") or []:
        if entry is None:
            errs.add("traffic policy may not be null")
            continue
        if not isinstance(entry.get("port"), Mapping):
            errs.add("portTrafficPolicy must have valid port")
        if not any(
            k in entry for k in ("outlierDetection", "connectionPool", "loadBalancer", "tls")
        ):
            errs.add("port traffic policy must have at least one field")
        else:
            errs.add(_outlier(entry.get("outlierDetection")))
            errs.add(_connection_pool(entry.get("connectionPool")))
            errs.add(_load_balancer(entry.get("loadBalancer")))
            errs.add(_tls(entry.get("tls")))
    return errs


def validate_destination_rule(namespace: str, spec: Mapping[str, Any]) -> Errors:
    """The errors Istio's webhook reports for a DestinationRule spec."""
    errs = Errors()
    errs.add(validate_wildcard_domain(str(spec.get("host") or "")))
    errs.add(validate_traffic_policy(spec.get("trafficPolicy")))
    names: set[str] = set()
    for subset in spec.get("subsets") or []:
        if subset is None:
            errs.add("subset may not be null")
            continue
        name = str(subset.get("name") or "")
        if name in names:
            errs.add(f"duplicate subset names: {name}")
        names.add(name)
        if not name:
            errs.add("subset name cannot be empty")
        elif not is_dns1123_label(name):
            errs.add(f"subset name is invalid: {name}")
        errs.add(validate_labels(subset.get("labels")))
        errs.add(validate_traffic_policy(subset.get("trafficPolicy")))
    selector = spec.get("workloadSelector")
    errs.add(validate_export_to(namespace, spec.get("exportTo")))
    if selector is not None and spec.get("exportTo"):
        export = {namespace if e == "." else str(e) for e in spec["exportTo"]}
        if namespace in export:
            if len(export) > 1:
                errs.add(
                    "destination rule with workload selector cannot have multiple entries "
                    "in exportTo"
                )
        else:
            errs.add(
                "destination rule with workload selector cannot have exportTo beyond current "
                "namespace"
            )
    return errs


__all__ = ["validate_destination_rule", "validate_traffic_policy"]
