"""The data path on the shipped scenario `bookinfo-httpbin-curl` (demo profile installed by the
installer, sidecars injected by the webhook): istio.io docs/examples/bookinfo "Confirm the app
is accessible from outside the cluster" and the demo profile's access logs."""

from __future__ import annotations

import copy

import pytest
import yaml

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import run_exec
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed

BOOKINFO_GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - match: [{uri: {exact: /productpage}}, {uri: {prefix: /static}}]
    route: [{destination: {host: productpage, port: {number: 9080}}}]
"""


@pytest.fixture(scope="module")
def lab() -> Cluster:
    cluster = new_cluster()
    cluster.extensions["mesh.time_scale"] = 0.0
    seed(cluster, load_scenario("bookinfo-httpbin-curl"))
    for doc in yaml.safe_load_all(BOOKINFO_GATEWAY):
        cluster.create(cluster.kind_of(doc), doc, "default")
    return cluster


def pod(cluster: Cluster, namespace: str, app: str) -> str:
    for item in cluster.list(cluster.kind("", "pods"), namespace):
        if (item["metadata"].get("labels") or {}).get("app") == app:
            return str(item["metadata"]["name"])
    raise AssertionError(app)


def curl(cluster: Cluster, *args: str) -> bytes:
    result = run_exec(cluster, "default", pod(cluster, "default", "curl"), "curl", ["curl", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_title_from_ratings_pod(lab: Cluster) -> None:
    # docs/examples/bookinfo: kubectl exec "$(kubectl get pod -l app=ratings ...)" -c ratings
    #   -- curl -sS productpage:9080/productpage | grep -o "<title>.*</title>"
    result = run_exec(lab, "default", pod(lab, "default", "ratings"), "ratings",
                      ["sh", "-c", 'curl -sS productpage:9080/productpage | grep -o '
                       '"<title>.*</title>"'])  # fmt: skip
    assert result.stdout == b"<title>Simple Bookstore App</title>\n"


def test_through_the_ingress_gateway_node_port(lab: Cluster) -> None:
    svc = lab.find(lab.kind("", "services"), "istio-system", "istio-ingressgateway")
    assert svc is not None
    node_port = next(p["nodePort"] for p in svc["spec"]["ports"] if p["port"] == 80)
    node = lab.list(lab.kind("", "nodes"))[0]["status"]["addresses"][0]["address"]
    out = curl(lab, "-s", "-w", "\\n%{http_code}", f"http://{node}:{node_port}/productpage")
    assert out.endswith(b"\n200")
    assert b"<title>Simple Bookstore App</title>" in out
    gateway = pod(lab, "istio-system", "istio-ingressgateway")
    log = lab.logs.read("istio-system", gateway, "istio-proxy")
    assert '"GET /productpage HTTP/1.1" 200 - via_upstream' in log


def test_demo_profile_logs_access(lab: Cluster) -> None:
    curl(lab, "-s", "http://httpbin:8000/status/418")
    log = lab.logs.read("default", pod(lab, "default", "curl"), "istio-proxy")
    assert '"GET /status/418 HTTP/1.1" 418 - via_upstream' in log


def test_proxies_keep_the_last_push_while_istiod_is_down() -> None:
    # docs/mesh.md "The push model": with istiod scaled to 0 a new VirtualService does not
    # reach the sidecars; it does once istiod is back
    cluster = new_cluster()
    cluster.extensions["mesh.time_scale"] = 0.0
    seed(cluster, load_scenario("bookinfo-httpbin-curl"))

    def scale(replicas: int) -> None:
        kind = cluster.kind("apps", "deployments")
        deployment = copy.deepcopy(cluster.get(kind, "istio-system", "istiod"))
        deployment["spec"]["replicas"] = replicas
        cluster.update(kind, deployment, "istio-system", "istiod")

    def code() -> bytes:
        return curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://httpbin:8000/get")  # fmt: skip

    scale(0)
    for doc in yaml.safe_load_all("""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
    route: [{destination: {host: httpbin}}]
"""):
        cluster.create(cluster.kind_of(doc), doc, "default")
    assert code() == b"200"
    scale(1)
    assert code() == b"500"


def test_a_frozen_push_keeps_the_security_policies() -> None:
    # docs/mesh.md "The push model": the view a revision froze at holds every kind of config,
    # AuthorizationPolicies included (a deny-all pushed before istiod went down still denies)
    cluster = new_cluster()
    cluster.extensions["mesh.time_scale"] = 0.0
    seed(cluster, load_scenario("bookinfo-httpbin-curl"))
    for doc in yaml.safe_load_all("""
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-httpbin}
spec:
  selector: {matchLabels: {app: httpbin}}
  action: DENY
  rules: [{}]
"""):
        cluster.create(cluster.kind_of(doc), doc, "default")

    def code() -> bytes:
        return curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://httpbin:8000/get")  # fmt: skip

    assert code() == b"403"
    kind = cluster.kind("apps", "deployments")
    deployment = copy.deepcopy(cluster.get(kind, "istio-system", "istiod"))
    deployment["spec"]["replicas"] = 0
    cluster.update(kind, deployment, "istio-system", "istiod")
    assert code() == b"403"
