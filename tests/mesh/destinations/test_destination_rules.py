"""DestinationRule lookup, merging and the effective traffic policy of a cluster.

Sources: ISTIO-SEMANTICS.md DestinationRule section; istio/istio pilot/pkg/model/
push_context.go (destinationRule: client namespace, then the service's namespace if exported,
then the root namespace; MostSpecificHostMatch), pilot/pkg/model/destination_rule.go
(mergeDestinationRule), pilot/pkg/networking/util MergeTrafficPolicy,
pilot/pkg/networking/core/cluster_traffic_policy.go and cluster_builder.go (defaults, subset
clusters), cluster_tls.go (auto mTLS); istio.io docs/tasks/traffic-management/circuit-breaking.
"""

from __future__ import annotations

from typing import Any

import pytest

from meshcert.mesh.destinations import OutlierDetection

MAX = 2**32 - 1


def dr(name: str, ns: str = "default", host: str = "reviews", body: str = "") -> str:
    return f"""
kind: DestinationRule
metadata: {{name: {name}, namespace: {ns}}}
spec:
  host: {host}
{body}
---
"""


SUBSETS = "  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]"
POOL = "  trafficPolicy: {connectionPool: {tcp: {maxConnections: %d}}}"


def test_defaults_without_a_destination_rule(cluster: Any) -> None:
    c = cluster()
    assert c.name == "outbound|9080||reviews.default.svc.cluster.local"
    assert c.policy.load_balancer.simple == "LEAST_REQUEST"
    pool = c.policy.connection_pool
    assert (pool.max_connections, pool.http1_max_pending_requests, pool.connect_timeout) == (
        MAX,
        MAX,
        10.0,
    )
    assert c.policy.outlier_detection is None
    assert c.destination_rule is None
    assert [e.address for e in c.endpoints] == ["10.244.0.4", "10.244.0.5"]


def test_subset_cluster_and_endpoints(cluster: Any) -> None:
    c = cluster(dr("reviews", body=SUBSETS), subset="v1")
    assert c.name == "outbound|9080|v1|reviews.default.svc.cluster.local"
    assert [e.workload.name for e in c.endpoints] == ["reviews-v1"]


def test_undefined_subset_has_no_cluster(cluster: Any) -> None:
    assert cluster(dr("reviews", body=SUBSETS), subset="v9") is None
    assert cluster(subset="v1") is None  # no DestinationRule at all


def test_subset_selecting_no_pods_has_no_endpoints(cluster: Any) -> None:
    body = "  subsets: [{name: v3, labels: {version: v3}}]"
    assert cluster(dr("reviews", body=body), subset="v3").endpoints == ()


@pytest.mark.parametrize(
    ("rules", "client", "expected"),
    [
        (dr("a", "default", body=POOL % 1) + dr("b", "istio-system", body=POOL % 2), "default", 1),
        (dr("b", "istio-system", host="reviews.default.svc.cluster.local", body=POOL % 2),
         "default", 2),
        (dr("b", "istio-system", body=POOL % 2), "default", MAX),
        (dr("a", "other", host="reviews.default.svc.cluster.local", body=POOL % 3)
         + dr("b", "default", body=POOL % 4), "other", 3),
        (dr("b", "default", body=POOL % 4), "other", 4),
        (dr("b", "default", body=POOL % 4 + "\n  exportTo: ['.']")
         + dr("c", "istio-system", host="reviews.default.svc.cluster.local", body=POOL % 5),
         "other", 5),
    ],
    ids=["client-ns-first", "root-ns", "root-ns-short-host-is-its-own-namespace",
         "client-ns-beats-service-ns", "service-ns-exported",
         "service-ns-private-falls-to-root"],
)  # fmt: skip
def test_lookup_order(cluster: Any, rules: str, client: str, expected: int) -> None:
    assert cluster(rules, client=client).policy.connection_pool.max_connections == expected


def test_exact_host_beats_wildcard(cluster: Any) -> None:
    rules = dr("wild", host="'*.default.svc.cluster.local'", body=POOL % 1) + dr(
        "exact", body=POOL % 2
    )
    assert cluster(rules).policy.connection_pool.max_connections == 2


def test_several_rules_for_one_host_merge(cluster: Any) -> None:
    first = dr("a", body=POOL % 1 + "\n  subsets: [{name: v1, labels: {version: v1}}]")
    second = dr("b", body=POOL % 2 + "\n  subsets: [{name: v2, labels: {version: v2}}]")
    merged = cluster(first + second, subset="v2")
    assert [e.workload.name for e in merged.endpoints] == ["reviews-v2"]
    assert merged.policy.connection_pool.max_connections == 1  # the first top-level policy


def test_subset_policy_replaces_top_level_fields(cluster: Any) -> None:
    body = """  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 1}, http: {http1MaxPendingRequests: 1}}
    loadBalancer: {simple: ROUND_ROBIN}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy: {connectionPool: {http: {http2MaxRequests: 7}}}"""
    c = cluster(dr("reviews", body=body), subset="v1")
    pool = c.policy.connection_pool
    # connectionPool replaced whole (no deep merge); loadBalancer kept from the top level
    assert (pool.max_connections, pool.http1_max_pending_requests, pool.http2_max_requests) == (
        MAX,
        MAX,
        7,
    )
    assert c.policy.load_balancer.simple == "ROUND_ROBIN"


def test_port_level_settings_replace_the_policy(cluster: Any) -> None:
    body = """  trafficPolicy:
    loadBalancer: {simple: RANDOM}
    connectionPool: {tcp: {maxConnections: 1}}
    portLevelSettings:
    - port: {number: 9090}
      connectionPool: {tcp: {maxConnections: 9}}"""
    on_9090 = cluster(dr("reviews", body=body), port=9090)
    assert on_9090.policy.connection_pool.max_connections == 9
    assert on_9090.policy.load_balancer.simple == "LEAST_REQUEST"  # back to the default
    assert cluster(dr("reviews", body=body)).policy.connection_pool.max_connections == 1


def test_outlier_detection_defaults_when_configured(cluster: Any) -> None:
    body = "  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1, interval: 1s}}"
    assert cluster(dr("reviews", body=body)).policy.outlier_detection == OutlierDetection(
        consecutive_5xx=1, interval=1.0, base_ejection_time=30.0, max_ejection_percent=10
    )


def test_circuit_breaking_task_policy(cluster: Any) -> None:
    body = """  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m,
      maxEjectionPercent: 100}"""
    c = cluster(dr("reviews", body=body))
    pool = c.policy.connection_pool
    assert (pool.max_connections, pool.http1_max_pending_requests,
            pool.max_requests_per_connection) == (1, 1, 1)  # fmt: skip
    assert c.policy.outlier_detection.base_ejection_time == 180.0


def test_auto_mtls_by_endpoint_and_explicit_tls_wins(cluster: Any) -> None:
    c = cluster()
    modes = {e.workload.name: c.tls_mode(e) for e in c.endpoints}
    assert modes == {"reviews-v1": "ISTIO_MUTUAL", "reviews-v2": "DISABLE"}
    explicit = cluster(dr("reviews", body="  trafficPolicy: {tls: {mode: DISABLE}}"))
    assert {explicit.tls_mode(e) for e in explicit.endpoints} == {"DISABLE"}
    off = cluster(mesh="enableAutoMtls: false\n")
    assert {off.tls_mode(e) for e in off.endpoints} == {"DISABLE"}


def test_unknown_host_or_port_has_no_cluster(cluster: Any) -> None:
    assert cluster(host="nope.default.svc.cluster.local") is None
    assert cluster(port=1234) is None


def test_auto_mtls_never_for_mesh_external(cluster: Any) -> None:
    """cluster_tls.go: auto mTLS applies to MESH_INTERNAL services only."""
    entry = """
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: [ext.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.9.9.9, labels: {security.istio.io/tlsMode: istio}}]
"""
    c = cluster(entry, host="ext.example.com", port=80)
    assert [c.tls_mode(e) for e in c.endpoints] == ["DISABLE"]


def test_resolution_none_is_an_original_destination_cluster(cluster: Any) -> None:
    entry = """
kind: ServiceEntry
metadata: {name: any}
spec:
  hosts: [api.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
"""
    c = cluster(entry, host="api.example.com", port=80)
    assert c.original_destination
    assert c.endpoints == ()
    assert not cluster().original_destination


def test_workload_selector_rule_applies_to_its_workloads_only(cluster: Any) -> None:
    """destination_rule.proto workloadSelector: a selecting rule in the client's namespace
    applies to the matching clients and is preferred over the namespace-wide one."""
    selected = dr(
        "for-curl",
        body=POOL % 7 + "\n  workloadSelector: {matchLabels: {app: curl}}",
    )
    other = dr(
        "for-others",
        body=POOL % 3 + "\n  workloadSelector: {matchLabels: {app: productpage}}",
    )
    assert cluster(selected + dr("wide", body=POOL % 1)).policy.connection_pool.max_connections == 7
    assert cluster(other).policy.connection_pool.max_connections == MAX
