"""The status istiod writes on HTTPRoutes and on the listeners of a Gateway of class `istio`.

Sources: istio/istio pilot/pkg/config/kube/gateway/conditions.go (createRouteStatus: Accepted
`Route was valid`, ResolvedRefs `All references resolved`, ResolvedWaypoints with ambient;
conditions sorted by type; controllerName istio.io/gateway-controller), conversion.go
(BackendNotFound `backend(<host>) not found`); istio.io docs/tasks/traffic-management/ingress/
gateway-api (`kubectl get httproute`).
"""

from __future__ import annotations

import copy
from typing import Any

from meshcert.kube import gateway_api
from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import run_istioctl

GROUP = "gateway.networking.k8s.io"


def _cluster(profile: str = "minimal") -> Cluster:
    c = new_cluster()
    seed(c, load_scenario("base"))
    assert run_istioctl(c, ["install", "-y", "--set", f"profile={profile}"])[0] == 0
    gateway_api.install(c)
    return c


def _gateway(cluster: Cluster) -> None:
    cluster.create(
        cluster.kind(GROUP, "gateways"),
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "Gateway",
            "metadata": {"name": "httpbin-gateway", "namespace": "default"},
            "spec": {
                "gatewayClassName": "istio",
                "listeners": [
                    {
                        "name": "http",
                        "hostname": "httpbin.example.com",
                        "port": 80,
                        "protocol": "HTTP",
                    }
                ],
            },
        },
    )


def _route(cluster: Cluster, backend: str = "httpbin", host: str = "httpbin.example.com") -> None:
    cluster.create(
        cluster.kind(GROUP, "httproutes"),
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "httpbin", "namespace": "default"},
            "spec": {
                "parentRefs": [{"name": "httpbin-gateway"}],
                "hostnames": [host],
                "rules": [{"backendRefs": [{"name": backend, "port": 8000}]}],
            },
        },
    )


def _service(cluster: Cluster, name: str = "httpbin") -> None:
    cluster.create(
        cluster.kind("", "services"),
        {"metadata": {"name": name}, "spec": {"ports": [{"name": "http", "port": 8000}]}},
        "default",
    )


def _status(cluster: Cluster) -> list[dict[str, Any]]:
    route = cluster.get(cluster.kind(GROUP, "httproutes"), "default", "httpbin")
    return list(route["status"]["parents"])


def _conditions(parent: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(c["type"], c["status"], c["reason"], c["message"]) for c in parent["conditions"]]


def test_accepted_route_and_attached_routes() -> None:
    cluster = _cluster()
    _service(cluster)
    _gateway(cluster)
    _route(cluster)
    (parent,) = _status(cluster)
    assert parent["controllerName"] == "istio.io/gateway-controller"
    assert parent["parentRef"] == {"name": "httpbin-gateway"}
    assert _conditions(parent) == [
        ("Accepted", "True", "Accepted", "Route was valid"),
        ("ResolvedRefs", "True", "ResolvedRefs", "All references resolved"),
    ]
    gw = cluster.get(cluster.kind(GROUP, "gateways"), "default", "httpbin-gateway")
    assert [item["attachedRoutes"] for item in gw["status"]["listeners"]] == [1]


def test_missing_backend_then_created() -> None:
    cluster = _cluster()
    _gateway(cluster)
    _route(cluster)
    (parent,) = _status(cluster)
    assert _conditions(parent)[1] == (
        "ResolvedRefs",
        "False",
        "BackendNotFound",
        "backend(httpbin.default.svc.cluster.local) not found",
    )
    _service(cluster)
    (parent,) = _status(cluster)
    assert _conditions(parent)[1][1] == "True"


def test_hostname_not_matching_the_listener() -> None:
    cluster = _cluster()
    _service(cluster)
    _gateway(cluster)
    _route(cluster, host="other.example.com")
    (parent,) = _status(cluster)
    assert _conditions(parent)[0] == (
        "Accepted",
        "False",
        "NoMatchingListenerHostname",
        'no hostnames matched parent hostname "httpbin.example.com"',
    )
    gw = cluster.get(cluster.kind(GROUP, "gateways"), "default", "httpbin-gateway")
    assert [item["attachedRoutes"] for item in gw["status"]["listeners"]] == [0]


def test_service_parent_in_ambient_reports_waypoints() -> None:
    cluster = _cluster("ambient")
    _service(cluster, "reviews")
    route = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "httpbin", "namespace": "default"},
        "spec": {
            "parentRefs": [{"group": "", "kind": "Service", "name": "reviews", "port": 8000}],
            "rules": [{"backendRefs": [{"name": "reviews", "port": 8000}]}],
        },
    }
    cluster.create(cluster.kind(GROUP, "httproutes"), copy.deepcopy(route))
    (parent,) = _status(cluster)
    assert _conditions(parent)[2] == (
        "ResolvedWaypoints",
        "True",
        "ResolvedWaypoints",
        "istio.io/use-waypoint label missing from parent and parent namespace; in ambient "
        "mode, route will not be respected",
    )


def test_enrolling_the_namespace_in_a_waypoint_updates_resolved_waypoints() -> None:
    cluster = _cluster("ambient")
    _service(cluster, "reviews")
    route = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "httpbin", "namespace": "default"},
        "spec": {
            "parentRefs": [{"group": "", "kind": "Service", "name": "reviews", "port": 8000}],
            "rules": [{"backendRefs": [{"name": "reviews", "port": 8000}]}],
        },
    }
    cluster.create(cluster.kind(GROUP, "httproutes"), route)
    kind = cluster.kind("", "namespaces")
    ns = copy.deepcopy(cluster.get(kind, "", "default"))
    ns["metadata"].setdefault("labels", {})["istio.io/use-waypoint"] = "waypoint"
    cluster.update(kind, ns)
    (parent,) = _status(cluster)
    assert _conditions(parent)[2] == (
        "ResolvedWaypoints",
        "True",
        "ResolvedWaypoints",
        "All waypoints resolved",
    )
