"""Destinations: DestinationRule lookup, traffic policies and the upstream cluster (endpoints,
load balancer, connection pool, outlier detection, TLS) of a routed destination.

Pure functions over a `MeshView`; no I/O. Entry point: `upstream_cluster(view, proxy,
destination)`.
"""

from .clusters import UpstreamCluster, cluster_name, upstream_cluster
from .lookup import ConsolidatedRule, destination_rule_for
from .policies import (
    ClientTls,
    ConnectionPool,
    LoadBalancer,
    OutlierDetection,
    TrafficPolicy,
)

__all__ = [
    "ClientTls",
    "ConnectionPool",
    "ConsolidatedRule",
    "LoadBalancer",
    "OutlierDetection",
    "TrafficPolicy",
    "UpstreamCluster",
    "cluster_name",
    "destination_rule_for",
    "upstream_cluster",
]
