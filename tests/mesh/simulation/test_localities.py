"""Locality load balancing (istio.io docs/tasks/traffic-management/locality-load-balancing
"Locality failover" and "Locality weighted distribution", docs/reference/config/networking/
destination-rule LocalityLoadBalancerSetting; pilot/pkg/networking/core/loadbalancer/
loadbalancer.go): nodes in region1/zone1, region1/zone2 and region2/zone3, the client in
region1/zone1 and one helloworld-like echo endpoint per node."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers.nodes import node_manifest
from meshcert.mesh.simulation.localities import lb_priority

HELLOWORLD = "docker.io/istio/examples-helloworld-v1"
ZONES = {"node-a": ("region1", "zone1"), "node-b": ("region1", "zone2"),
         "node-c": ("region2", "zone3")}  # fmt: skip


def _node(name: str, index: int) -> dict[str, Any]:
    node = node_manifest(name, index=index)
    region, zone = ZONES[name]
    node["metadata"]["labels"].update({"topology.kubernetes.io/region": region,
                                       "topology.kubernetes.io/zone": zone})  # fmt: skip
    return node


def _pinned(deployment: dict[str, Any], node: str) -> dict[str, Any]:
    deployment["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": node}
    return deployment


FAILING = """
apiVersion: v1
kind: ConfigMap
metadata: {name: failing-conf}
data:
  nginx.conf: "events {}\\nhttp { server { listen 5000; return 503; } }\\n"
"""


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab()
    nodes = made.kind("", "nodes")
    made.delete(nodes, "", "meshcert-control-plane")
    for index, name in enumerate(ZONES, start=1):
        made.create(nodes, _node(name, index))
    t.create(made, t.service("helloworld", 5000))
    for node in ZONES:
        labels = {"app": "helloworld", "node": node}
        deployment = t.deployment(f"helloworld-{node}", HELLOWORLD, labels=labels, port=5000)
        t.create(made, _pinned(deployment, node))
    t.create(made, _pinned(t.deployment("curl", "curlimages/curl",
                                        command=["/bin/sleep", "infinity"]), "node-a"))  # fmt: skip
    return made


def _served_by(cluster: Cluster, n: int) -> Counter[str]:
    """Which node's endpoint answered each of `n` requests (helloworld names its pod)."""
    seen: Counter[str] = Counter()
    for _ in range(n):
        out = t.curl(cluster, "-s", "http://helloworld:5000/hello").stdout.decode()
        seen[next((node for node in ZONES if f"helloworld-{node}-" in out), out.strip())] += 1
    return seen


def _rule(policy: str) -> str:
    return f"""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: helloworld}}
spec:
  host: helloworld
  trafficPolicy:
{policy}
"""


OUTLIERS = """    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 1m
"""


def test_without_outlier_detection_every_locality_serves(cluster: Cluster) -> None:
    """Locality failover needs outlier detection: without it Envoy never leaves the first
    priority, so Istio assigns none and all endpoints share the traffic."""
    assert set(_served_by(cluster, 60)) == set(ZONES)


def test_outlier_detection_keeps_traffic_in_the_clients_zone(cluster: Cluster) -> None:
    t.apply(cluster, _rule(OUTLIERS))
    assert _served_by(cluster, 40) == Counter({"node-a": 40})


def test_failover_to_the_same_region_when_the_local_endpoint_is_ejected(
    cluster: Cluster,
) -> None:
    """The local endpoint answers 503 and is ejected after one; the traffic fails over to
    region1/zone2 (priority 2) before region2 (priority 3)."""
    t.apply(cluster, FAILING)
    dep = cluster.get(cluster.kind("apps", "deployments"), "default", "helloworld-node-a")
    template = dep["spec"]["template"]["spec"]
    template["containers"][0].update(image="nginx", volumeMounts=[
        {"name": "conf", "mountPath": "/etc/nginx"}])  # fmt: skip
    template["volumes"] = [{"name": "conf", "configMap": {"name": "failing-conf"}}]
    cluster.update(cluster.kind("apps", "deployments"), dep, "default")
    t.apply(cluster, _rule(OUTLIERS))
    first = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                   "http://helloworld:5000/hello").stdout  # fmt: skip
    assert first == b"503"
    assert _served_by(cluster, 30) == Counter({"node-b": 30})


def test_weighted_distribution(cluster: Cluster) -> None:
    """`distribute`: 80 % to the client's zone, 20 % to the other zone of its region and
    nothing to region2 (no `to` names it)."""
    t.apply(
        cluster,
        _rule("""    loadBalancer:
      localityLbSetting:
        enabled: true
        distribute:
        - from: region1/zone1/*
          to:
            "region1/zone1/*": 80
            "region1/zone2/*": 20
"""),
    )
    seen = _served_by(cluster, 200)
    assert set(seen) == {"node-a", "node-b"}
    assert abs(seen["node-a"] / 200 - 0.8) < 0.08


def test_disabled_locality_setting(cluster: Cluster) -> None:
    t.apply(
        cluster,
        _rule(
            OUTLIERS
            + """    loadBalancer:
      localityLbSetting: {enabled: false}
"""
        ),
    )
    assert set(_served_by(cluster, 60)) == set(ZONES)


def test_priority_by_locality() -> None:
    assert lb_priority("region1/zone1/a", "region1/zone1/a") == 0
    assert lb_priority("region1/zone1/a", "region1/zone1/b") == 1
    assert lb_priority("region1/zone1", "region1/zone2") == 2
    assert lb_priority("region1/zone1", "region2/zone3") == 3
