"""fortio, nc and nslookup in pods (istio.io docs/tasks/traffic-management/circuit-breaking,
tcp-traffic-shifting; kubernetes.io docs/tasks/administer-cluster/dns-debugging-resolution)."""

from __future__ import annotations

import re

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster

CIRCUIT_BREAKER = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
"""


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab()
    t.httpbin(made)
    t.curl_client(made)
    t.create(made, t.deployment("fortio", "fortio/fortio:latest_release", port=8080))
    return made


def load(cluster: Cluster, threads: int, calls: int) -> dict[int, int]:
    result = t.run(cluster, "default", "fortio",
                   ["/usr/bin/fortio", "load", "-c", str(threads), "-qps", "0", "-n", str(calls),
                    "-loglevel", "Warning", "http://httpbin:8000/get"])  # fmt: skip
    assert result.exit_code == 0
    text = result.stdout.decode()
    assert f"for exactly {calls} calls" in text
    return {int(c): int(n) for c, n in re.findall(r"^Code (\d+) : (\d+) \(", text, re.M)}


def test_fortio_curl(cluster: Cluster) -> None:
    result = t.run(cluster, "default", "fortio",
                   ["/usr/bin/fortio", "curl", "-quiet", "http://httpbin:8000/get"])  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout.startswith(b"HTTP/1.1 200 OK\r\nserver: envoy\r\n")


def test_without_limits_all_succeed(cluster: Cluster) -> None:
    assert load(cluster, 3, 30) == {200: 30}


def test_circuit_breaker_trips_with_concurrency(cluster: Cluster) -> None:
    # circuit-breaking task: -c 2 gives a few 503s (about 15%), -c 3 most (about 63%)
    t.apply(cluster, CIRCUIT_BREAKER)
    one = load(cluster, 1, 200)
    assert one == {200: 200}
    two = load(cluster, 2, 1000)
    assert 80 <= two.get(503, 0) <= 220
    three = load(cluster, 3, 1000)
    assert 520 <= three.get(503, 0) <= 740


def test_nslookup(cluster: Cluster) -> None:
    ip = cluster.find(cluster.kind("", "services"), "default", "httpbin")["spec"]["clusterIP"]  # type: ignore[index]
    result = t.run(cluster, "default", "curl", ["nslookup", "httpbin"])
    assert result.stdout.decode() == (
        "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
        f"Name:\thttpbin.default.svc.cluster.local\nAddress: {ip}\n\n"
    )
    missing = t.run(cluster, "default", "curl", ["nslookup", "nope.example"])
    assert missing.exit_code == 1
    assert b"NXDOMAIN" in missing.stdout


def test_nc_tcp_echo_and_weighted_tcp_routes(cluster: Cluster) -> None:
    # tcp-traffic-shifting: tcp-echo v1 prefixes "one", v2 "two"; a tcp route sends 80/20
    for version, prefix in (("v1", "one"), ("v2", "two")):
        t.create(cluster, t.deployment(f"tcp-echo-{version}", "docker.io/istio/tcp-echo-server:1.3",
                                       labels={"app": "tcp-echo", "version": version}, port=9000,
                                       args=["9000,9001,9002", prefix]))  # fmt: skip
    t.create(cluster, t.service("tcp-echo", 9000, port_name="tcp"))
    result = t.run(cluster, "default", "curl", ["sh", "-c", "echo hello | nc tcp-echo 9000"])
    assert result.stdout in (b"one hello\n", b"two hello\n")
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: tcp-echo}
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
  hosts: [tcp-echo]
  tcp:
  - match: [{port: 9000}]
    route:
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: 80}
    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: 20}
""",
    )
    seen = {"one": 0, "two": 0}
    for _ in range(200):
        out = t.run(cluster, "default", "curl", ["sh", "-c", "echo x | nc tcp-echo 9000"])
        seen[out.stdout.decode().split()[0]] += 1
    assert 130 <= seen["one"] <= 190


def test_nc_refused(cluster: Cluster) -> None:
    t.create(cluster, t.service("nothing", 9000, selector={"app": "none"}))
    result = t.run(cluster, "default", "curl", ["nc", "nothing", "9000"], container="curl")
    # behind the client's sidecar there is no endpoint: the proxy closes the connection
    assert result.exit_code == 0
    assert result.stdout == b""


def test_pilot_agent_stats_show_pending_overflow(cluster: Cluster) -> None:
    # circuit-breaking task: `kubectl exec "$FORTIO_POD" -c istio-proxy -- pilot-agent request
    # GET stats | grep httpbin | grep pending` -> upstream_rq_pending_overflow counts the 503s
    t.apply(cluster, CIRCUIT_BREAKER)
    codes = load(cluster, 3, 30)
    result = t.run(cluster, "default", "fortio", ["sh", "-c",
                   "pilot-agent request GET stats | grep httpbin | grep pending"],
                   container="istio-proxy")  # fmt: skip
    lines = dict(line.rsplit(": ", 1) for line in result.stdout.decode().splitlines())
    prefix = "cluster.outbound|8000||httpbin.default.svc.cluster.local."
    assert int(lines[prefix + "upstream_rq_pending_overflow"]) == codes.get(503, 0)
    assert int(lines[prefix + "upstream_rq_pending_total"]) == 30
    # Istio's thresholds track remaining capacity: the gauge is http1MaxPendingRequests at rest
    assert lines[prefix + "circuit_breakers.default.remaining_pending"] == "1"


def test_tcp_access_log_line(cluster: Cluster) -> None:
    # Istio's TEXT format for a TCP proxy: `"- - -" 0` and the upstream cluster
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
    t.create(cluster, t.deployment("tcp-echo", "docker.io/istio/tcp-echo-server:1.3", port=9000,
                                   args=["9000", "hello"]))  # fmt: skip
    t.create(cluster, t.service("tcp-echo", 9000, port_name="tcp"))
    result = t.run(cluster, "default", "curl", ["sh", "-c", "echo world | nc tcp-echo 9000"])
    assert result.stdout == b"hello world\n"
    curl_pod = t.pod_named(cluster, "default", "curl")["metadata"]["name"]
    [line] = t.logs(cluster, "default", curl_pod, "istio-proxy")
    assert '"- - -" 0 - - - "-" 6 12 ' in line
    assert " outbound|9000||tcp-echo.default.svc.cluster.local " in line


def test_wget(cluster: Cluster) -> None:
    # busybox wget: -qO- writes the body to stdout; HTTP errors exit 1 with busybox's message
    ok = t.run(cluster, "default", "curl", ["wget", "-qO-", "http://httpbin:8000/ip"])
    assert ok.exit_code == 0
    assert b'"origin"' in ok.stdout
    failed = t.run(cluster, "default", "curl", ["wget", "-q", "-O", "/dev/null",
                                                "http://httpbin:8000/status/503"])  # fmt: skip
    assert failed.exit_code == 1
    assert failed.stderr == b"wget: server returned error: HTTP/1.1 503 Service Unavailable\n"
    missing = t.run(cluster, "default", "curl", ["wget", "-qO-", "http://nowhere/"])
    assert missing.stderr == b"wget: bad address 'nowhere'\n"
