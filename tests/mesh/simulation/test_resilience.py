"""Retries, connection failures, outlier detection, DNS and the simulated internet."""

from __future__ import annotations

import json

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster
from meshcert.mesh import internet
from meshcert.mesh.simulation.dns import search_names


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab(namespaces=("other",))
    t.httpbin(made, access_log=True)
    t.curl_client(made)
    return made


def app_lines(cluster: Cluster) -> list[str]:
    pod = t.pod_named(cluster, "default", "httpbin")["metadata"]["name"]
    return t.logs(cluster, "default", pod, "httpbin")


def test_retries_on_5xx_make_attempts_plus_one_tries(cluster: Cluster) -> None:
    # virtual_service.proto HTTPRetry: attempts 3, retryOn 5xx -> 4 tries reach the app
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin}}]
    retries: {attempts: 3, retryOn: 5xx}
""",
    )
    result = t.curl(cluster, "-s", "-w", "%{http_code}", "http://httpbin:8000/status/500")
    assert result.stdout == b"500"
    assert len(app_lines(cluster)) == 4


def test_default_retries_do_not_retry_503(cluster: Cluster) -> None:
    # retry.go DefaultPolicy: retriable-status-codes with no codes -> a 503 is not retried
    t.curl(cluster, "-s", "http://httpbin:8000/status/503")
    assert len(app_lines(cluster)) == 1


def test_attempt_count_header_on_retry(cluster: Cluster) -> None:
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin}}]
    retries: {attempts: 2, retryOn: "500"}
""",
    )
    t.curl(cluster, "-s", "http://httpbin:8000/status/500")
    assert len(app_lines(cluster)) == 3


def test_connection_failure_is_503_uf_urx(cluster: Cluster) -> None:
    # a Service whose targetPort nothing listens on: the inbound sidecar cannot connect
    t.create(cluster, t.service("broken", 80, 8081, selector={"app": "httpbin"}))
    result = t.curl(cluster, "-s", "-w", " %{http_code}", "http://broken/")
    assert result.stdout == (
        b"upstream connect error or disconnect/reset before headers. reset reason: "
        b"connection failure 503"
    )


def test_closed_port(cluster: Cluster) -> None:
    # without a sidecar on the server, nothing listens: refused (curl 7); with one, its
    # inbound passthrough cannot connect to the app: 503 UF
    t.curl_client(cluster, "other", sidecar=False)
    t.httpbin(cluster, "other", sidecar=False, name="plain", with_service=False)
    plain_ip = t.pod_named(cluster, "other", "httpbin")["status"]["podIP"]
    refused = t.curl(cluster, "-sS", f"http://{plain_ip}:81/", namespace="other")
    assert refused.exit_code == 7
    ip = t.pod_named(cluster, "default", "httpbin")["status"]["podIP"]
    relayed = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                     f"http://{ip}:81/", namespace="other")  # fmt: skip
    assert relayed.stdout == b"503"


def test_tcp_port_is_proxied_as_bytes(cluster: Cluster) -> None:
    # a `tcp-` port name makes the port TCP for Istio (istio.io docs/ops/configuration/
    # traffic-management/protocol-selection): no Envoy headers on the response
    t.create(cluster, t.service("raw", 8000, 80, selector={"app": "httpbin"}, port_name="tcp-web"))
    result = t.curl(cluster, "-sI", "http://raw:8000/get")
    assert result.stdout.startswith(b"HTTP/1.1 200 OK\r\nServer: gunicorn/19.9.0\r\n")


def test_unknown_address_times_out(cluster: Cluster) -> None:
    result = t.curl(cluster, "-sS", "--connect-timeout", "2", "http://10.1.2.3/")
    # behind the sidecar the passthrough cluster cannot connect: Envoy answers 503
    assert result.exit_code == 0
    t.curl_client(cluster, "other", sidecar=False)
    plain = t.curl(cluster, "-sS", "--connect-timeout", "2", "http://10.1.2.3/", namespace="other")
    assert plain.exit_code == 28
    assert plain.stderr == b"curl: (28) Connection timed out after 2001 milliseconds\n"


def test_outlier_detection_ejects_after_consecutive_errors(cluster: Cluster) -> None:
    # destination_rule.proto OutlierDetection: consecutive5xxErrors 1, maxEjectionPercent 100:
    # after one 5xx the only endpoint is ejected and the next request sees no healthy upstream
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
""",
    )
    first = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                   "http://httpbin:8000/status/500")  # fmt: skip
    assert first.stdout == b"500"
    second = t.curl(cluster, "-s", "-w", " %{http_code}", "http://httpbin:8000/get")
    assert second.stdout == b"no healthy upstream 503"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("httpbin", ["httpbin.ns.svc.cluster.local", "httpbin.svc.cluster.local",
                  "httpbin.cluster.local", "httpbin"]),
     ("a.b.c.d.e.f", ["a.b.c.d.e.f", "a.b.c.d.e.f.ns.svc.cluster.local",
                      "a.b.c.d.e.f.svc.cluster.local", "a.b.c.d.e.f.cluster.local"]),
     ("x.example.", ["x.example"])],
    ids=["short", "ndots-5", "absolute"],
)  # fmt: skip
def test_search_path(name: str, expected: list[str]) -> None:
    # kubernetes.io docs/concepts/services-networking/dns-pod-service: search list, ndots:5
    assert search_names(name, "ns") == expected


def test_cross_namespace_names(cluster: Cluster) -> None:
    t.curl_client(cluster, "other")
    for url in ("http://httpbin.default:8000/get", "http://httpbin.default.svc:8000/get",
                "http://httpbin.default.svc.cluster.local:8000/get"):  # fmt: skip
        result = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}", url,
                        namespace="other")  # fmt: skip
        assert result.stdout == b"200", url
    missing = t.curl(cluster, "-s", "http://httpbin:8000/get", namespace="other")
    assert missing.exit_code == 6


def test_public_jwks(cluster: Cluster) -> None:
    # security/tools/jwt/samples/jwks.json of istio/istio, served by raw.githubusercontent.com
    result = t.curl(cluster, "-s", f"https://raw.githubusercontent.com{internet.JWKS_PATH}")
    keys = json.loads(result.stdout)["keys"]
    assert keys[0]["kid"] == "DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ"


def test_cnn_redirects_http_to_https(cluster: Cluster) -> None:
    result = t.curl(cluster, "-sI", "http://edition.cnn.com/politics")
    assert result.stdout.startswith(b"HTTP/1.1 301 Moved Permanently\r\n")
    assert b"location: https://edition.cnn.com/politics\r\n" in result.stdout


def test_telemetry_api_turns_access_logs_on(cluster: Cluster) -> None:
    # istio.io docs/tasks/observability/logs/access-log "Using Telemetry API"
    t.apply(
        cluster,
        """
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh-default, namespace: istio-system}
spec:
  accessLogging:
  - providers: [{name: envoy}]
""",
    )
    t.curl(cluster, "-s", "http://httpbin:8000/get")
    pod = t.pod_named(cluster, "default", "curl")["metadata"]["name"]
    assert len(t.logs(cluster, "default", pod, "istio-proxy")) == 1


def test_same_seed_same_choices() -> None:
    # docs/mesh.md: randomness draws from a per-lab generator seeded by mesh.seed
    def run(seed: int) -> list[str]:
        cluster = t.lab(seed=seed)
        t.bookinfo(cluster)
        t.curl_client(cluster)
        out = []
        for _ in range(12):
            reply = json.loads(t.curl(cluster, "-s", "http://reviews:9080/reviews/0").stdout)
            out.append(reply["podname"].split("-")[1])
        return out

    first = run(7)
    assert first == run(7)
    assert len(set(first)) > 1


def test_loopback_reaches_own_containers_and_envoy_admin(cluster: Cluster) -> None:
    # loopback is not intercepted: the app answers itself; the sidecar's admin (15000) and
    # health (15021) ports answer inside the pod (application-requirements ports table)
    own = t.run(cluster, "default", "httpbin", ["curl", "-s", "localhost:80/ip"])
    assert own.stdout == b'{\n  "origin": "127.0.0.1"\n}\n'
    t.curl(cluster, "-s", "http://httpbin:8000/get")
    stats = t.run(cluster, "default", "curl", ["curl", "-s", "localhost:15000/stats"],
                  container="istio-proxy")  # fmt: skip
    assert b"httpbin.default.svc.cluster.local.upstream_rq_200: 1\n" in stats.stdout
    ready = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                   "localhost:15021/healthz/ready")  # fmt: skip
    assert ready.stdout == b"200"


def test_per_try_timeout_is_retried(cluster: Cluster) -> None:
    # virtual_service.proto HTTPRetry.perTryTimeout: each try is cut at 1 s; gateway-error
    # retries the 504; after the last try Envoy answers `upstream request timeout`
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin}}]
    timeout: 10s
    retries: {attempts: 2, perTryTimeout: 1s, retryOn: gateway-error}
""",
    )
    result = t.curl(
        cluster, "-s", "-w", " %{http_code} %{time_total}", "http://httpbin:8000/delay/3"
    )
    text, code, seconds = result.stdout.decode().rsplit(" ", 2)
    assert (text, code) == ("upstream request timeout", "504")
    assert 3.0 <= float(seconds) < 3.2
    assert len(app_lines(cluster)) == 3


def test_route_timeout_cuts_retries(cluster: Cluster) -> None:
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin}}]
    timeout: 2s
    retries: {attempts: 5, perTryTimeout: 1s, retryOn: gateway-error}
""",
    )
    result = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
                    "http://httpbin:8000/delay/3")  # fmt: skip
    code, seconds = result.stdout.decode().split()
    assert code == "504"
    assert 2.0 <= float(seconds) < 2.1


def test_include_outbound_ip_ranges_bypasses_the_sidecar(cluster: Cluster) -> None:
    # egress-control "Direct access to external services": with
    # traffic.sidecar.istio.io/includeOutboundIPRanges set to the cluster ranges, traffic to
    # public addresses skips the sidecar, so REGISTRY_ONLY no longer blocks it
    t.apply(
        cluster,
        """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY
""",
    )
    blocked = t.curl(
        cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://httpbin.org/get"
    )
    assert blocked.stdout == b"502"
    deployment = t.deployment("direct", "curlimages/curl", command=["/bin/sleep", "infinity"])
    template = deployment["spec"]["template"]["metadata"]
    template["annotations"] = {
        "traffic.sidecar.istio.io/includeOutboundIPRanges": "10.96.0.0/12,10.244.0.0/16"
    }
    t.create(cluster, deployment)
    direct = t.run(cluster, "default", "direct",
                   ["curl", "-sI", "http://httpbin.org/get"])  # fmt: skip
    assert direct.stdout.startswith(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n")


def test_dns_proxy_resolves_service_entry_hosts(cluster: Cluster) -> None:
    # dns-proxy: with ISTIO_META_DNS_CAPTURE the sidecar answers ServiceEntry hosts that public
    # DNS does not know; without it the name does not resolve
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: internal-db}
spec:
  hosts: [db.internal.example]
  addresses: [192.168.100.7]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: STATIC
  endpoints: [{address: 10.200.0.9}]
""",
    )
    before = t.run(cluster, "default", "curl", ["nslookup", "db.internal.example"])
    assert before.exit_code == 1
    deployment = t.deployment("dnsproxy", "curlimages/curl", command=["/bin/sleep", "infinity"])
    deployment["spec"]["template"]["metadata"]["annotations"] = {
        "proxy.istio.io/config": 'proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: "true"\n'
    }
    t.create(cluster, deployment)
    after = t.run(cluster, "default", "dnsproxy", ["nslookup", "db.internal.example"])
    assert after.exit_code == 0
    assert b"Address: 192.168.100.7\n" in after.stdout


def test_reset_and_empty_reply(cluster: Cluster) -> None:
    # a TCP port with no endpoints behind the client's sidecar: the proxy closes the
    # connection (curl 56); HTTP to a server that only speaks TCP: no reply (curl 52)
    t.create(cluster, t.service("nobody", 9000, selector={"app": "nobody"}, port_name="tcp"))
    reset = t.curl(cluster, "-sS", "http://nobody:9000/")
    assert (reset.exit_code, reset.stderr) == (
        56,
        b"curl: (56) Recv failure: Connection reset by peer\n",
    )
    t.create(cluster, t.deployment("tcp-echo", "docker.io/istio/tcp-echo-server:1.3", port=9000,
                                   args=["9000", "hello"], sidecar=False))  # fmt: skip
    ip = t.pod_named(cluster, "default", "tcp-echo")["status"]["podIP"]
    t.curl_client(cluster, "other", sidecar=False)
    empty = t.curl(cluster, "-sS", f"http://{ip}:9000/", namespace="other")
    assert (empty.exit_code, empty.stderr) == (52, b"curl: (52) Empty reply from server\n")


def test_flags_stay_with_the_proxy_that_set_them(cluster: Cluster) -> None:
    # the server sidecar cannot reach the app (UF in its log); the client sidecar relays a
    # plain 503 (via_upstream); connection failures of the client's own attempts are retried
    # by the default policy and end with UF,URX
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
    t.create(cluster, t.service("broken", 80, 8081, selector={"app": "httpbin"}))
    t.curl(cluster, "-s", "http://broken/")
    client = t.pod_named(cluster, "default", "curl")["metadata"]["name"]
    server = t.pod_named(cluster, "default", "httpbin")["metadata"]["name"]
    [client_line] = t.logs(cluster, "default", client, "istio-proxy")
    [server_line] = t.logs(cluster, "default", server, "istio-proxy")
    assert '" 503 - via_upstream ' in client_line
    assert '" 503 UF upstream_reset_before_response_started{connection_failure} ' in server_line


def test_client_connection_failures_are_retried_then_uf_urx(cluster: Cluster) -> None:
    # retry.go default policy retries connect-failure twice; Envoy then answers 503 with
    # `upstream connect error ... connection failure` and flags UF,URX
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
    t.httpbin(cluster, "other", sidecar=False, name="plain", with_service=False)
    t.create(cluster, t.service("closed", 80, 8081, selector={"app": "httpbin"}), "other")
    result = t.curl(cluster, "-s", "-w", " %{http_code}", "http://closed.other/")
    assert result.stdout.endswith(b"reset reason: connection failure 503")
    client = t.pod_named(cluster, "default", "curl")["metadata"]["name"]
    [line] = t.logs(cluster, "default", client, "istio-proxy")
    assert '" 503 UF,URX ' in line


def test_a_lone_request_never_overflows_the_pool(cluster: Cluster) -> None:
    """destination_rule.proto ConnectionPoolSettings: with every limit at 1, one request at a
    time always finds its connection (Envoy's circuit breakers count requests in flight); the
    overflows of the circuit-breaking task need concurrency (fortio -c 2 and more)."""
    t.apply(cluster, """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 1}
""")  # fmt: skip
    codes = [t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://httpbin:8000/get").stdout for _ in range(40)]  # fmt: skip
    assert set(codes) == {b"200"}


FAILING_REPLICA = """
apiVersion: v1
kind: ConfigMap
metadata: {name: broken-conf}
data:
  nginx.conf: "events {}\\nhttp { server { listen 80; return 500; } }\\n"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin-broken}
spec:
  selector: {matchLabels: {app: httpbin, version: broken}}
  template:
    metadata:
      labels: {app: httpbin, version: broken, security.istio.io/tlsMode: istio}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports: [{containerPort: 80}]
        volumeMounts: [{name: conf, mountPath: /etc/nginx}]
      - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.26.0", args: [proxy, sidecar]}
      volumes: [{name: conf, configMap: {name: broken-conf}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin}}]
    retries: {attempts: 1, retryOn: 5xx}
"""


def test_a_retry_goes_to_another_endpoint(cluster: Cluster) -> None:
    """Istio puts Envoy's previous_hosts retry predicate on every route
    (pilot/pkg/networking/core/route/retry/retry.go: RetryHostPredicate previous_hosts,
    HostSelectionRetryMaxAttempts 5): with one healthy and one failing replica and one retry
    on 5xx, a request whose first try hits the failing replica is retried on the healthy one,
    so every request succeeds."""
    t.apply(cluster, FAILING_REPLICA)
    answers = [t.curl(cluster, "-s", "-w", "%{http_code}", "http://httpbin:8000/headers").stdout
               for _ in range(30)]  # fmt: skip
    assert all(a.endswith(b"200") for a in answers)
    # some first tries did hit the failing replica: the retry's header says attempt 2
    assert any(b'"X-Envoy-Attempt-Count": "2"' in a for a in answers)
