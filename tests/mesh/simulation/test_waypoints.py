"""Ambient traffic through a waypoint (mesh/simulation/waypoints.py): the waypoint applies
HTTPRoutes whose parent is the Service and the L7 AuthorizationPolicies that target the
waypoint or the Service, then sends to the endpoint through the destination's ztunnel.

Sources: istio.io docs/ambient/getting-started/enforce-auth-policies (`productpage-waypoint`:
403 `RBAC: access denied` for DELETE and for other service accounts; the L4 policy must allow
the waypoint's identity), docs/ambient/getting-started/manage-traffic (90/10 between reviews-v1
and reviews-v2 through the waypoint), docs/ambient/usage/waypoint (`istio.io/use-waypoint`);
istio/istio pilot/pkg/networking/core/listener_waypoint.go (the waypoint's HTTP connection
manager takes the sidecar-inbound proxy headers: `server: envoy`).
"""

from __future__ import annotations

import copy
from collections import Counter

import pytest
import traffic_lab as t

from meshcert.kube import gateway_api
from meshcert.kube.cluster import Cluster

WAYPOINT = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: waypoint}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: curl}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: waypoint}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: waypoint}}
  template:
    metadata:
      labels: {gateway.networking.k8s.io/gateway-name: waypoint, istio.io/dataplane-mode: none}
    spec:
      serviceAccountName: waypoint
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.26.0
        args: [proxy, waypoint]
"""

SHIFT = """
apiVersion: v1
kind: Service
metadata: {name: reviews-v1}
spec: {selector: {app: reviews, version: v1}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: reviews-v2}
spec: {selector: {app: reviews, version: v2}, ports: [{name: http, port: 9080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
  rules:
  - backendRefs:
    - {name: reviews-v1, port: 9080, weight: 90}
    - {name: reviews-v2, port: 9080, weight: 10}
"""

L7_POLICY = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: productpage-waypoint}
spec:
  targetRefs: [{kind: Service, group: "", name: productpage}]
  action: ALLOW
  rules:
  - from: [{source: {principals: [cluster.local/ns/default/sa/curl]}}]
    to: [{operation: {methods: [GET]}}]
"""


def _ambient(cluster: Cluster, waypoint: bool) -> None:
    ns_kind = cluster.kind("", "namespaces")
    ns = copy.deepcopy(cluster.get(ns_kind, "", "default"))
    labels = {"istio.io/dataplane-mode": "ambient"}
    if waypoint:
        labels["istio.io/use-waypoint"] = "waypoint"
    ns["metadata"]["labels"] = {**(ns["metadata"].get("labels") or {}), **labels}
    cluster.update(ns_kind, ns)


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab()
    gateway_api.install(made)
    t.bookinfo(made, sidecar=False)
    curl = t.deployment("curl", "curlimages/curl", sidecar=False, command=["/bin/sleep", "inf"])
    curl["spec"]["template"]["spec"]["serviceAccountName"] = "curl"
    t.create(made, curl)
    t.apply(made, WAYPOINT)
    _ambient(made, waypoint=True)
    return made


def _versions(cluster: Cluster, times: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    for _ in range(times):
        out = t.curl(cluster, "-s", "http://reviews:9080/reviews/0").stdout.decode()
        seen["v1" if '"rating"' not in out else "v2+"] += 1
    return seen


def test_httproute_on_the_service_shifts_traffic_through_the_waypoint(cluster: Cluster) -> None:
    """manage-traffic: 90 % reviews-v1, 10 % reviews-v2 (no reviews-v3 at all)."""
    t.apply(cluster, SHIFT)
    seen = _versions(cluster, 200)
    assert 8 <= seen["v2+"] <= 40, seen
    assert seen["v1"] + seen["v2+"] == 200


def test_without_the_use_waypoint_label_routes_are_not_applied(cluster: Cluster) -> None:
    """An ambient client without a waypoint gets L4 load balancing over all reviews pods:
    the Service-parent route needs a waypoint (docs/ambient/usage/l7-features)."""
    namespace = copy.deepcopy(cluster.get(cluster.kind("", "namespaces"), "", "default"))
    del namespace["metadata"]["labels"]["istio.io/use-waypoint"]
    cluster.update(cluster.kind("", "namespaces"), namespace)
    t.apply(cluster, SHIFT)
    seen = _versions(cluster, 90)
    assert 40 <= seen["v2+"] <= 80, seen  # v2 and v3 are two of the three pods


def test_response_through_the_waypoint_has_envoy_headers(cluster: Cluster) -> None:
    out = t.curl(cluster, "-sI", "http://productpage:9080/productpage").stdout.decode()
    assert "server: envoy" in out
    assert "x-envoy-upstream-service-time" in out


def test_l7_policy_on_the_service_is_enforced_by_the_waypoint(cluster: Cluster) -> None:
    """enforce-auth-policies: GET from curl passes; DELETE and other identities get 403."""
    t.apply(cluster, L7_POLICY)
    ok = t.curl(cluster, "-s", "http://productpage:9080/productpage").stdout.decode()
    assert "<title>Simple Bookstore App</title>" in ok
    denied = t.curl(cluster, "-s", "http://productpage:9080/productpage", "-X", "DELETE")
    assert denied.stdout == b"RBAC: access denied"
    other = t.run(cluster, "default", "reviews", ["curl", "-s", "http://productpage:9080/"])
    assert other.stdout == b"RBAC: access denied"


def test_policy_targeting_the_waypoint_gateway(cluster: Cluster) -> None:
    t.apply(
        cluster,
        """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-delete}
spec:
  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]
  action: DENY
  rules: [{to: [{operation: {methods: [DELETE]}}]}]
""",
    )
    denied = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                    "http://productpage:9080/productpage")  # fmt: skip
    assert denied.stdout == b"403"
    assert t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                  "http://productpage:9080/productpage").stdout == b"200"  # fmt: skip


def test_l4_policy_must_allow_the_waypoint_identity(cluster: Cluster) -> None:
    """enforce-auth-policies: productpage's ztunnel sees the waypoint's identity, so an L4
    policy allowing only the curl client closes the connection (curl 56)."""
    t.apply(
        cluster,
        """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: productpage-viewer}
spec:
  selector: {matchLabels: {app: productpage}}
  action: ALLOW
  rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/curl]}}]}]
""",
    )
    out = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                 "http://productpage:9080/productpage")  # fmt: skip
    assert out.stdout == b"503"  # the waypoint's upstream connection is closed


def test_waypoint_access_log(cluster: Cluster) -> None:
    """With access logging on (meshConfig.accessLogFile), the waypoint logs the requests it
    routed, in Envoy's default format, with the upstream cluster it chose: the client's call to
    reviews and reviews' own call to ratings (the namespace's waypoint serves both)."""
    t.apply(
        cluster,
        """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data: {mesh: "accessLogFile: /dev/stdout"}
""",
    )
    t.curl(cluster, "-s", "http://reviews:9080/reviews/0")
    (pod,) = [
        p["metadata"]["name"]
        for p in cluster.list(cluster.kind("", "pods"), "default")
        if p["metadata"]["name"].startswith("waypoint-")
    ]
    lines = t.logs(cluster, "default", pod, "istio-proxy")
    ratings, reviews = lines  # the inner call completes first
    assert '"GET /reviews/0 HTTP/1.1" 200' in reviews
    assert "outbound|9080||reviews.default.svc.cluster.local" in reviews
    assert '"GET /ratings/0 HTTP/1.1" 200' in ratings
    assert "outbound|9080||ratings.default.svc.cluster.local" in ratings


INGRESS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.26.0
        args: [proxy, router]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http: [{route: [{destination: {host: productpage, port: {number: 9080}}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-delete}
spec:
  targetRefs: [{kind: Service, group: "", name: productpage}]
  action: DENY
  rules: [{to: [{operation: {methods: [DELETE]}}]}]
"""


def test_ingress_gateway_uses_the_waypoint_only_when_asked(cluster: Cluster) -> None:
    """docs/ambient/usage/waypoint: gateways bypass waypoints unless the Service (or its
    namespace) is labelled `istio.io/ingress-use-waypoint: "true"`."""
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "outside"}})
    t.create(cluster, t.deployment("curl", "curlimages/curl", sidecar=False,
                                   command=["/bin/sleep", "inf"]), "outside")  # fmt: skip
    t.apply(cluster, INGRESS)

    def delete() -> bytes:
        return t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                      "http://istio-ingressgateway.istio-system/productpage",
                      namespace="outside").stdout  # fmt: skip

    assert delete() == b"200"  # the gateway goes to productpage's pod itself
    svc_kind = cluster.kind("", "services")
    svc = copy.deepcopy(cluster.get(svc_kind, "default", "productpage"))
    svc["metadata"].setdefault("labels", {})["istio.io/ingress-use-waypoint"] = "true"
    cluster.update(svc_kind, svc, "default")
    assert delete() == b"403"  # the waypoint's DENY policy


@pytest.mark.parametrize(("waypoint_for", "through"), [("service", True), ("workload", False)])
def test_waypoint_for_label(cluster: Cluster, waypoint_for: str, through: bool) -> None:
    """docs/ambient/usage/waypoint "Waypoint traffic types": a waypoint for `workload` traffic
    only does not take traffic addressed to a Service."""
    t.apply(
        cluster,
        f"""
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: waypoint, labels: {{istio.io/waypoint-for: {waypoint_for}}}}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{{name: mesh, port: 15008, protocol: HBONE}}]
""",
    )
    out = t.curl(cluster, "-sI", "http://productpage:9080/productpage").stdout.decode()
    assert ("server: envoy" in out) is through
