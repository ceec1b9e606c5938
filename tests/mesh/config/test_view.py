"""`MeshView`: a snapshot of a real simulated cluster, its indexes and endpoints.

Sources: istio/istio pilot/pkg/serviceregistry/kube/controller (endpoints from ready pods
selected by the Service, named target ports), serviceentry/conversion.go (one service per
host, endpoints by port name, DNS resolution without endpoints), pilot/pkg/model/
push_context.go (a Kubernetes Service wins a hostname over a ServiceEntry).
"""

from __future__ import annotations

from typing import Any

import yaml
from running_api import base_objects

from meshcert.kube.cluster import new_cluster
from meshcert.mesh.view import MeshView

DEPLOYMENT = """
apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data: {mesh: "outboundTrafficPolicy:\\n  mode: REGISTRY_ONLY\\n"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin}
spec:
  replicas: 2
  selector: {matchLabels: {app: httpbin}}
  template:
    metadata: {labels: {app: httpbin, version: v1}}
    spec:
      containers:
      - {name: httpbin, image: kong/httpbin, ports: [{name: web, containerPort: 8080}]}
      - {name: istio-proxy, image: istio/proxyv2}
---
apiVersion: v1
kind: Service
metadata: {name: httpbin}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: web}]
"""


def test_snapshot_of_a_cluster() -> None:
    cluster = new_cluster()
    istio_ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}
    for doc in [*base_objects(), istio_ns, *yaml.safe_load_all(DEPLOYMENT)]:
        kind = cluster.kind_of(doc)
        if kind.namespaced or cluster.find(kind, "", doc["metadata"]["name"]) is None:
            cluster.create(kind, doc)
    with cluster.lock:
        view = MeshView.of(cluster)
    assert view.mesh.outbound_policy == "REGISTRY_ONLY"
    assert view.resource_version == cluster.store.resource_version
    pods = view.workloads_in("default")
    assert len(pods) == 2
    assert all(w.has_sidecar for w in pods)
    svc = view.service_for("httpbin.default.svc.cluster.local", "default")
    assert svc is not None
    assert svc.addresses
    endpoints = view.endpoints(svc, 8000)
    assert sorted(e.address for e in endpoints) == sorted(w.ip for w in pods)
    assert {e.port for e in endpoints} == {8080}  # named targetPort resolved per pod
    assert view.workload_for_ip(pods[0].ip) == pods[0]
    assert view.services_for_address(svc.addresses[0]) == (svc,)


def manifests(text: str) -> list[Any]:
    return [d for d in yaml.safe_load_all(text) if d]


def test_service_entry_hosts_and_endpoints() -> None:
    view = MeshView.from_manifests(
        manifests("""
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: [a.example.com, b.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: TLS}]
  resolution: STATIC
  endpoints:
  - {address: 1.1.1.1, ports: {http: 8080}}
  - {address: 2.2.2.2}
---
kind: ServiceEntry
metadata: {name: dns}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
""")
    )
    a = view.service_for("a.example.com", "default")
    assert a is not None
    assert view.service_for("b.example.com", "default") is not None
    assert a.location == "MESH_EXTERNAL"
    assert [(e.address, e.port) for e in view.endpoints(a, 80)] == [
        ("1.1.1.1", 8080),
        ("2.2.2.2", 80),
    ]
    dns = view.service_for("httpbin.org", "default")
    assert dns is not None
    assert [(e.address, e.port) for e in view.endpoints(dns, 80)] == [("httpbin.org", 80)]


def test_kubernetes_service_wins_its_hostname() -> None:
    view = MeshView.from_manifests(
        manifests("""
kind: ServiceEntry
metadata: {name: squat}
spec:
  hosts: [reviews.default.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
---
kind: Service
metadata: {name: reviews}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
""")
    )
    svc = view.service_for("reviews.default.svc.cluster.local", "default")
    assert svc is not None
    assert svc.origin == "Kubernetes"


def test_invalid_mesh_config_is_reported_not_raised() -> None:
    view = MeshView.build(mesh_text="[not, a, mapping]")
    assert view.mesh_error
    assert view.mesh.outbound_policy == "ALLOW_ANY"


def test_external_name_service_points_at_its_name() -> None:
    view = MeshView.from_manifests(
        manifests("""
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: httpbin.org, ports: [{name: http, port: 80}]}
""")
    )
    svc = view.service_for("ext.default.svc.cluster.local", "default")
    assert svc is not None
    assert [(e.address, e.port) for e in view.endpoints(svc, 80)] == [("httpbin.org", 80)]


def test_labs_restored_from_one_dump_do_not_share_parses_of_their_own_writes() -> None:
    """Two clusters loaded from the same dump hold the same objects (same uids and
    resourceVersions); when each then writes its own version of one VirtualService, both
    writes get the same resourceVersion, and each cluster's view must show its own."""
    origin = new_cluster()
    origin.create(origin.kind("", "namespaces"), {"metadata": {"name": "default"}})
    vs = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
          "metadata": {"name": "reviews", "namespace": "default"},
          "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {
              "host": "reviews", "subset": "v1"}}]}]}}  # fmt: skip
    kind = origin.kind_of(vs)
    origin.create(kind, vs, "default")
    dump = origin.store.dump()
    views = []
    for subset in ("v2", "v3"):
        lab = new_cluster()
        lab.store.load({**dump, "objects": list(dump["objects"])})
        changed = lab.get(kind, "default", "reviews")
        route = {"destination": {"host": "reviews", "subset": subset}}
        lab.update(kind, {**changed, "spec": {**changed["spec"], "http": [{"route": [route]}]}},
                   "default")  # fmt: skip
        with lab.lock:
            views.append(MeshView.of(lab))
    subsets = [v.virtual_services[0].http[0].destinations[0].destination.subset for v in views]
    assert subsets == ["v2", "v3"]
