"""The istio.io traffic-management tasks, request by request, through the simulation (curl in
a pod, in-process). Each test names the page whose behaviour it pins."""

from __future__ import annotations

from collections import Counter

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster

SUBSETS = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
"""


@pytest.fixture
def bookinfo() -> Cluster:
    cluster = t.lab()
    t.bookinfo(cluster)
    t.curl_client(cluster)
    t.apply(cluster, SUBSETS)
    return cluster


def page(cluster: Cluster, *args: str) -> str:
    result = t.run(cluster, "default", "ratings",
                   ["curl", "-s", *args, "http://productpage:9080/productpage"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return result.stdout.decode()


def version_of(html: str) -> str:
    if 'text-red-500">\n<svg' in html or ("text-red-500" in html and "<svg" in html):
        return "v3"
    return "v2" if "<svg" in html else "v1"


def login(cluster: Cluster, user: str) -> None:
    result = t.run(cluster, "default", "ratings",
                   ["curl", "-s", "-c", "/tmp/jar", "-d", f"username={user}&passwd=x",
                    "http://productpage:9080/login"])  # fmt: skip
    assert result.exit_code == 0


def test_without_virtual_services_reviews_versions_rotate(bookinfo: Cluster) -> None:
    # istio.io docs/examples/bookinfo: refreshing shows v1, v2 and v3 in turn (round robin
    # in kube-proxy terms; Envoy's default LEAST_REQUEST picks among all three)
    seen = Counter(version_of(page(bookinfo)) for _ in range(60))
    assert set(seen) == {"v1", "v2", "v3"}


def test_request_routing_by_end_user(bookinfo: Cluster) -> None:
    # istio.io docs/tasks/traffic-management/request-routing: jason sees black stars (v2),
    # everybody else v1
    t.apply(
        bookinfo,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
""",
    )
    assert {version_of(page(bookinfo)) for _ in range(10)} == {"v1"}
    login(bookinfo, "jason")
    html = page(bookinfo, "-b", "/tmp/jar")
    assert version_of(html) == "v2"
    assert "text-black-500" in html


def test_traffic_shifting_50_50(bookinfo: Cluster) -> None:
    # istio.io docs/tasks/traffic-management/traffic-shifting: weights 50/50 between v1 and v3
    t.apply(
        bookinfo,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 50}
    - {destination: {host: reviews, subset: v3}, weight: 50}
""",
    )
    seen = Counter(version_of(page(bookinfo)) for _ in range(400))
    assert set(seen) == {"v1", "v3"}
    assert 160 <= seen["v3"] <= 240


def test_fault_injection_delay_shows_reviews_unavailable(bookinfo: Cluster) -> None:
    # istio.io docs/tasks/traffic-management/fault-injection: 7 s delay on ratings for jason;
    # productpage's 3 s timeout and one retry toward reviews: the page loads in about 6 s
    # and says reviews are unavailable
    t.apply(
        bookinfo,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    fault: {delay: {percentage: {value: 100.0}, fixedDelay: 7s}}
    route: [{destination: {host: ratings}}]
  - route: [{destination: {host: ratings}}]
""",
    )
    login(bookinfo, "jason")
    html = page(bookinfo, "-b", "/tmp/jar", "-w", "\\n%{time_total}")
    assert "Sorry, product reviews are currently unavailable for this book." in html
    assert 6.0 <= float(html.rsplit("\n", 1)[1]) < 6.5


def test_fault_injection_abort_shows_ratings_unavailable(bookinfo: Cluster) -> None:
    # istio.io docs/tasks/traffic-management/fault-injection: HTTP 500 abort on ratings for
    # jason: "Ratings service is currently unavailable"
    t.apply(
        bookinfo,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    fault: {abort: {percentage: {value: 100.0}, httpStatus: 500}}
    route: [{destination: {host: ratings}}]
  - route: [{destination: {host: ratings}}]
""",
    )
    login(bookinfo, "jason")
    assert "Ratings service is currently unavailable" in page(bookinfo, "-b", "/tmp/jar")
    assert "Ratings service is currently unavailable" not in page(bookinfo)


def test_request_timeout_504(bookinfo: Cluster) -> None:
    # istio.io docs/tasks/traffic-management/request-timeouts: 2 s delay on ratings, 0.5 s
    # timeout on reviews: productpage gets 504s, shows reviews unavailable in about 1 s
    t.apply(
        bookinfo,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v2}}]
    timeout: 0.5s
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings}
spec:
  hosts: [ratings]
  http:
  - fault: {delay: {percentage: {value: 100}, fixedDelay: 2s}}
    route: [{destination: {host: ratings}}]
""",
    )
    html = page(bookinfo, "-w", "\\n%{time_total}")
    assert "Sorry, product reviews are currently unavailable for this book." in html
    assert 1.0 <= float(html.rsplit("\n", 1)[1]) < 1.2
    result = t.curl(bookinfo, "-s", "-w", " %{http_code}", "http://reviews:9080/reviews/0")
    assert result.stdout == b"upstream request timeout 504"


@pytest.fixture
def httpbin() -> Cluster:
    cluster = t.lab()
    t.httpbin(cluster)
    t.curl_client(cluster)
    return cluster


def codes(cluster: Cluster, url: str, n: int) -> Counter[str]:
    out: Counter[str] = Counter()
    for _ in range(n):
        result = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}", url)
        out[result.stdout.decode()] += 1
    return out


def test_abort_fault_body_and_percentage(httpbin: Cluster) -> None:
    # virtual_service.proto HTTPFaultInjection.Abort; Envoy's body `fault filter abort`
    t.apply(
        httpbin,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - fault: {abort: {percentage: {value: 30}, httpStatus: 503}}
    route: [{destination: {host: httpbin}}]
""",
    )
    seen = codes(httpbin, "http://httpbin:8000/get", 1000)
    assert 260 <= seen["503"] <= 340
    assert seen["200"] + seen["503"] == 1000
    for _ in range(20):
        result = t.curl(httpbin, "-s", "http://httpbin:8000/get")
        if result.stdout == b"fault filter abort":
            break
    else:
        pytest.fail("no abort body seen")


def test_retries_count_attempts(httpbin: Cluster) -> None:
    # virtual_service.proto HTTPRetry: attempts 3 on 5xx means 4 tries; Envoy numbers them
    # in x-envoy-attempt-count (visible to the app)
    t.apply(
        httpbin,
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
    result = t.curl(httpbin, "-s", "-w", " %{http_code}", "http://httpbin:8000/status/500")
    assert result.stdout == b" 500"
    pod = t.pod_named(httpbin, "default", "httpbin")["metadata"]["name"]
    del pod


def test_undefined_subset_is_503(httpbin: Cluster) -> None:
    # ISTIO-SEMANTICS.md DestinationRule outcomes: a route to an undefined subset = 503
    t.apply(
        httpbin,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin, subset: v9}}]
""",
    )
    assert codes(httpbin, "http://httpbin:8000/get", 3) == Counter({"503": 3})


def test_subset_without_pods_is_no_healthy_upstream(httpbin: Cluster) -> None:
    # IST0173: a subset whose labels match no pods answers 503 `no healthy upstream`
    t.apply(
        httpbin,
        """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets: [{name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin, subset: v2}}]
""",
    )
    result = t.curl(httpbin, "-s", "-w", " %{http_code}", "http://httpbin:8000/get")
    assert result.stdout == b"no healthy upstream 503"


def test_mirroring_shows_shadow_requests_in_v2_logs() -> None:
    # istio.io docs/tasks/traffic-management/mirroring: v2's access log shows the mirrored
    # requests; Envoy appends -shadow to the Host
    cluster = t.lab()
    t.httpbin(cluster, version="v1", name="httpbin-v1", access_log=True)
    t.httpbin(cluster, version="v2", name="httpbin-v2", access_log=True, with_service=False)
    t.curl_client(cluster)
    t.apply(
        cluster,
        """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - route: [{destination: {host: httpbin, subset: v1}, weight: 100}]
    mirror: {host: httpbin, subset: v2}
    mirrorPercentage: {value: 100.0}
""",
    )
    result = t.curl(cluster, "-s", "http://httpbin:8000/headers")
    assert b'"Host": "httpbin:8000"' in result.stdout
    v1 = t.pod_named(cluster, "default", "httpbin", "v1")["metadata"]["name"]
    v2 = t.pod_named(cluster, "default", "httpbin", "v2")["metadata"]["name"]
    v1_log = t.logs(cluster, "default", v1, "httpbin")
    v2_log = t.logs(cluster, "default", v2, "httpbin")
    assert len(v1_log) == 1
    assert len(v2_log) == 1
    assert v2_log[0].startswith("127.0.0.6 - - [")
    assert '"GET /headers HTTP/1.1" 200 ' in v2_log[0]


def test_egress_allow_any_and_registry_only(httpbin: Cluster) -> None:
    # istio.io docs/tasks/traffic-management/egress/egress-control: ALLOW_ANY lets external
    # HTTPS through; REGISTRY_ONLY fails it (exit 35) and answers plain HTTP with 502
    ok = t.curl(httpbin, "-sSI", "https://www.google.com")
    assert ok.exit_code == 0
    assert ok.stdout.startswith(b"HTTP/2 200")
    t.apply(
        httpbin,
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
    blocked = t.curl(httpbin, "-sSI", "https://www.google.com")
    assert blocked.exit_code == 35
    assert blocked.stderr.startswith(b"curl: (35) ")
    plain = t.curl(httpbin, "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://httpbin.org/get")
    assert plain.stdout == b"502"
    t.apply(
        httpbin,
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
  location: MESH_EXTERNAL
""",
    )
    allowed = t.curl(httpbin, "-s", "http://httpbin.org/headers")
    assert b'"Host": "httpbin.org"' in allowed.stdout
    assert b"X-Amzn-Trace-Id" in allowed.stdout


def test_dns_service_entry_access_log_shows_the_resolved_address(httpbin: Cluster) -> None:
    # egress-control "Access an external HTTP service": the sidecar's log line names the
    # address httpbin.org resolved to as the upstream host: "httpbin.org" "35.173.6.94:80"
    # outbound|80||httpbin.org
    from meshcert.mesh import internet

    t.apply(
        httpbin,
        """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
  location: MESH_EXTERNAL
""",
    )
    assert t.curl(httpbin, "-sS", "http://httpbin.org/headers").exit_code == 0
    pod = t.pod_named(httpbin, "default", "curl")["metadata"]["name"]
    line = t.logs(httpbin, "default", pod, "istio-proxy")[-1]
    address = internet.resolve_public("httpbin.org")
    assert f'"httpbin.org" "{address}:80" outbound|80||httpbin.org ' in line


def test_tls_through_service_entry_logs_a_tcp_line(httpbin: Cluster) -> None:
    # egress-control "Access an external HTTPS service": `"- - -" 0 - 601 17766 1289 - "-" "-"
    # "-" "-" "172.217.161.36:443" outbound|443||www.google.com 172.30.109.82:59480
    # 172.217.161.36:443 172.30.109.82:59478 www.google.com`; REGISTRY_ONLY without the
    # ServiceEntry: the BlackHoleCluster, flag UH
    from meshcert.mesh import internet

    mesh = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
"""
    t.apply(httpbin, mesh)
    pod = t.pod_named(httpbin, "default", "curl")["metadata"]["name"]
    assert t.curl(httpbin, "-sSI", "https://www.google.com").exit_code == 35
    blocked = t.logs(httpbin, "default", pod, "istio-proxy")[-1]
    assert '"- - -" 0 UH ' in blocked
    assert " BlackHoleCluster " in blocked
    assert blocked.endswith(" www.google.com -")
    t.apply(
        httpbin,
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: google}
spec:
  hosts: [www.google.com]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
  location: MESH_EXTERNAL
""",
    )
    assert t.curl(httpbin, "-sSI", "https://www.google.com").exit_code == 0
    line = t.logs(httpbin, "default", pod, "istio-proxy")[-1]
    address = internet.resolve_public("www.google.com")
    assert '"- - -" 0 - ' in line
    assert f' "{address}:443" outbound|443||www.google.com ' in line
    assert line.endswith(f" {address}:443 {line.split()[-3]} www.google.com -")


def test_external_timeout_504(httpbin: Cluster) -> None:
    # egress-control "Manage traffic to external services": a 3 s timeout before httpbin.org's
    # /delay/5 gives 504 after about 3 s
    t.apply(
        httpbin,
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  http:
  - timeout: 3s
    route: [{destination: {host: httpbin.org}, weight: 100}]
""",
    )
    result = t.curl(httpbin, "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
                    "http://httpbin.org/delay/5")  # fmt: skip
    code, seconds = result.stdout.decode().split()
    assert code == "504"
    assert 3.0 <= float(seconds) < 3.1


def test_access_log_lines(httpbin: Cluster) -> None:
    # istio.io docs/tasks/observability/logs/access-log: meshConfig.accessLogFile=/dev/stdout,
    # default TEXT format, 418 via_upstream, outbound|8000||httpbin... cluster
    t.apply(
        httpbin,
        """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
""",
    )
    t.curl(httpbin, "-s", "http://httpbin:8000/status/418")
    curl_pod = t.pod_named(httpbin, "default", "curl")["metadata"]["name"]
    server = t.pod_named(httpbin, "default", "httpbin")["metadata"]["name"]
    [client_line] = t.logs(httpbin, "default", curl_pod, "istio-proxy")
    [server_line] = t.logs(httpbin, "default", server, "istio-proxy")
    assert '"GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 ' in client_line
    assert " outbound|8000||httpbin.default.svc.cluster.local " in client_line
    assert '"curl/8.17.0"' in client_line
    assert '"httpbin:8000"' in client_line
    assert client_line.endswith(" - default")
    assert " inbound|80|| " in server_line


def test_access_log_flags(httpbin: Cluster) -> None:
    t.apply(
        httpbin,
        """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - fault: {abort: {percentage: {value: 100}, httpStatus: 400}}
    route: [{destination: {host: httpbin}}]
""",
    )
    t.curl(httpbin, "-s", "http://httpbin:8000/get")
    curl_pod = t.pod_named(httpbin, "default", "curl")["metadata"]["name"]
    [line] = t.logs(httpbin, "default", curl_pod, "istio-proxy")
    assert '" 400 FI fault_filter_abort - ' in line


def test_grpc_abort_fault(httpbin: Cluster) -> None:
    # virtual_service.proto HTTPFaultInjection.Abort.grpcStatus: a trailers-only gRPC answer
    t.apply(
        httpbin,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
  - fault: {abort: {percentage: {value: 100}, grpcStatus: UNAVAILABLE}}
    route: [{destination: {host: httpbin}}]
""",
    )
    result = t.curl(httpbin, "-sI", "http://httpbin:8000/get")
    assert result.stdout.startswith(b"HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\n")
    assert b"grpc-status: 14\r\n" in result.stdout
