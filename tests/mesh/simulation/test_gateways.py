"""Ingress and egress through gateways (istio.io docs/tasks/traffic-management/ingress/
ingress-control and egress/egress-gateway)."""

from __future__ import annotations

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster

GATEWAY_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: istio-{kind}gateway, namespace: istio-system}}
spec:
  selector: {{matchLabels: {{istio: {kind}gateway}}}}
  template:
    metadata: {{labels: {{istio: {kind}gateway, app: istio-{kind}gateway}}}}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.26.0
        args: [proxy, router]
        ports: [{{containerPort: 8080}}, {{containerPort: 8443}}]
---
apiVersion: v1
kind: Service
metadata: {{name: istio-{kind}gateway, namespace: istio-system}}
spec:
  type: {type}
  selector: {{istio: {kind}gateway}}
  ports:
  - {{name: http2, port: 80, targetPort: 8080}}
  - {{name: https, port: 443, targetPort: 8443}}
"""


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab(namespaces=("istio-system",))
    t.httpbin(made)
    t.curl_client(made)
    t.apply(made, GATEWAY_DEPLOYMENT.format(kind="ingress", type="NodePort"))
    t.apply(made, GATEWAY_DEPLOYMENT.format(kind="egress", type="ClusterIP"))
    return made


def ingress_address(cluster: Cluster) -> str:
    svc = cluster.find(cluster.kind("", "services"), "istio-system", "istio-ingressgateway")
    assert svc is not None
    port = svc["spec"]["ports"][0]["nodePort"]
    node = cluster.list(cluster.kind("", "nodes"))[0]["status"]["addresses"][0]["address"]
    return f"{node}:{port}"


def test_ingress_gateway_routes_by_host(cluster: Cluster) -> None:
    # ingress-control: curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"
    # -> HTTP/1.1 200 OK, server: envoy; /headers is not routed -> 404
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [httpbin.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin.example.com]
  gateways: [httpbin-gateway]
  http:
  - match: [{uri: {prefix: /status}}, {uri: {prefix: /delay}}]
    route: [{destination: {port: {number: 8000}, host: httpbin}}]
""",
    )
    address = ingress_address(cluster)
    ok = t.curl(cluster, "-s", "-I", "-HHost:httpbin.example.com", f"http://{address}/status/200")
    # no service port is the NodePort, so the client's sidecar has no HTTP listener there: its
    # virtualOutbound TCP proxy passes the gateway's answer through untouched
    assert ok.stdout.startswith(b"HTTP/1.1 200 OK\r\nserver: istio-envoy\r\n")
    missing = t.curl(cluster, "-s", "-I", "-HHost:httpbin.example.com", f"http://{address}/headers")
    assert missing.stdout.startswith(b"HTTP/1.1 404 Not Found\r\n")
    other = t.curl(cluster, "-s", "-I", f"http://{address}/status/200")
    assert other.stdout.startswith(b"HTTP/1.1 404 Not Found\r\n")


def test_gateway_names_itself_istio_envoy(cluster: Cluster) -> None:
    # ingress-control "Accessing ingress services": from outside the mesh the gateway's answers
    # carry `server: istio-envoy` (Istio sets the gateway's server_name to EnvoyServerName,
    # pilot/pkg/networking/core/gateway.go), its own 404 NR as well
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: ["*"]
  gateways: [httpbin-gateway]
  http:
  - match: [{uri: {prefix: /status}}]
    route: [{destination: {port: {number: 8000}, host: httpbin}}]
""",
    )
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "outside"}})
    t.curl_client(cluster, "outside", sidecar=False)
    address = ingress_address(cluster)
    ok = t.curl(cluster, "-s", "-I", f"http://{address}/status/200", namespace="outside")
    assert ok.stdout.startswith(b"HTTP/1.1 200 OK\r\nserver: istio-envoy\r\n")
    missing = t.curl(cluster, "-s", "-I", f"http://{address}/headers", namespace="outside")
    assert missing.stdout.startswith(b"HTTP/1.1 404 Not Found\r\n")
    assert b"server: istio-envoy\r\n" in missing.stdout


def test_egress_gateway_http(cluster: Cluster) -> None:
    # egress-gateway "Egress gateway for HTTP traffic": the sidecar sends edition.cnn.com to the
    # egress gateway, which sends it out; the site answers 301 to https, followed with -L
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cnn}
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 80, name: http-port, protocol: HTTP}
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [edition.cnn.com]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: egressgateway-for-cnn}
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets: [{name: cnn}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct-cnn-through-egress-gateway}
spec:
  hosts: [edition.cnn.com]
  gateways: [istio-egressgateway, mesh]
  http:
  - match: [{gateways: [mesh], port: 80}]
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn
        port: {number: 80}
      weight: 100
  - match: [{gateways: [istio-egressgateway], port: 80}]
    route:
    - destination: {host: edition.cnn.com, port: {number: 80}}
      weight: 100
""",
    )
    t.apply(
        cluster,
        """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
""",
    )
    result = t.curl(
        cluster, "-sSL", "-o", "/dev/null", "-D", "-", "http://edition.cnn.com/politics"
    )
    assert result.exit_code == 0, result.stderr
    text = result.stdout.decode()
    assert text.startswith("HTTP/1.1 301 Moved Permanently\r\n")
    assert "location: https://edition.cnn.com/politics\r\n" in text
    assert "HTTP/2 200" in text
    gateway = t.pod_named(cluster, "istio-system", "istio-egressgateway")["metadata"]["name"]
    [line] = t.logs(cluster, "istio-system", gateway, "istio-proxy")
    assert '"GET /politics HTTP/1.1" 301 ' in line
    assert "outbound|80||edition.cnn.com" in line


def test_tcp_through_ingress_gateway(cluster: Cluster) -> None:
    # tcp-traffic-shifting: `(date; sleep 1) | nc $INGRESS_HOST $TCP_INGRESS_PORT` answered by
    # tcp-echo v1 with "one <date>" through a TCP server on port 31400 of the gateway
    t.apply(
        cluster,
        """
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway-tcp, namespace: istio-system}
spec:
  type: NodePort
  selector: {istio: ingressgateway}
  ports: [{name: tcp, port: 31400, targetPort: 31400}]
""",
    )
    for version, prefix in (("v1", "one"), ("v2", "two")):
        t.create(cluster, t.deployment(f"tcp-echo-{version}", "docker.io/istio/tcp-echo-server:1.3",
                                       labels={"app": "tcp-echo", "version": version}, port=9000,
                                       args=["9000,9001,9002", prefix]))  # fmt: skip
    t.create(cluster, t.service("tcp-echo", 9000, port_name="tcp"))
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: tcp-echo-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: tcp-echo-destination}
spec:
  host: tcp-echo
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo}
spec:
  hosts: ["*"]
  gateways: [tcp-echo-gateway]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: tcp-echo, port: {number: 9000}, subset: v1}}]
""",
    )
    svc = cluster.find(cluster.kind("", "services"), "istio-system", "istio-ingressgateway-tcp")
    assert svc is not None
    node = cluster.list(cluster.kind("", "nodes"))[0]["status"]["addresses"][0]["address"]
    target = f"{node} {svc['spec']['ports'][0]['nodePort']}"
    result = t.run(cluster, "default", "curl", ["sh", "-c", f"echo hello | nc {target}"])
    assert result.stdout == b"one hello\n"
