"""`curl` inside a pod: output formats, messages and exit codes of curl 8, over the simulated
mesh (httpbin behind sidecars in `default`, a curl pod with and one without a sidecar)."""

from __future__ import annotations

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    made = t.lab(namespaces=("legacy",))
    t.httpbin(made)
    t.curl_client(made)
    t.curl_client(made, "legacy", sidecar=False)
    t.create(made, t.service("empty", 80, selector={"app": "nothing"}))
    return made


def curl(cluster: Cluster, *args: str, namespace: str = "default") -> tuple[int, str, str]:
    result = t.curl(cluster, *args, namespace=namespace)
    return result.exit_code, result.stdout.decode(), result.stderr.decode()


def test_silent_body(cluster: Cluster) -> None:
    code, out, err = curl(cluster, "-s", "http://httpbin:8000/headers")
    assert code == 0
    assert err == ""
    assert '"Host": "httpbin:8000"' in out
    assert '"User-Agent": "curl/8.17.0"' in out
    # the client sidecar adds the attempt count (Envoy router, include_request_attempt_count)
    assert '"X-Envoy-Attempt-Count": "1"' in out


def test_head_through_sidecar_shows_envoy_headers(cluster: Cluster) -> None:
    # istio.io docs/tasks/observability/logs/access-log: `HTTP/1.1 418 Unknown`, server: envoy
    code, out, _ = curl(cluster, "-sI", "http://httpbin:8000/status/418")
    assert code == 0
    lines = out.split("\r\n")
    assert lines[0] == "HTTP/1.1 418 Unknown"
    assert lines[1] == "server: envoy"
    assert any(line.startswith("x-envoy-upstream-service-time: ") for line in lines)
    assert out.endswith("\r\n\r\n")


def test_include_shows_headers_then_body(cluster: Cluster) -> None:
    code, out, _ = curl(cluster, "-si", "http://httpbin:8000/status/200")
    assert code == 0
    assert out.startswith("HTTP/1.1 200 OK\r\nserver: envoy\r\n")


def test_without_sidecar_headers_are_the_apps(cluster: Cluster) -> None:
    code, out, _ = curl(cluster, "-sI", "http://httpbin.default:8000/get", namespace="legacy")
    assert code == 0
    # httpbin's pod has a sidecar: the inbound Envoy still relays the response
    assert "server: envoy" in out


def test_write_out_http_code(cluster: Cluster) -> None:
    code, out, _ = curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}\\n",
                        "http://httpbin:8000/status/503")  # fmt: skip
    assert (code, out) == (0, "503\n")


def test_fail_exit_22(cluster: Cluster) -> None:
    code, out, err = curl(cluster, "-sSf", "http://httpbin:8000/status/404")
    assert code == 22
    assert out == ""
    assert err == "curl: (22) The requested URL returned error: 404\n"


def test_verbose_trace(cluster: Cluster) -> None:
    code, _, err = curl(cluster, "-sv", "http://httpbin:8000/get")
    assert code == 0
    assert "*   Trying " in err
    assert "> GET /get HTTP/1.1\r\n> Host: httpbin:8000\r\n" in err
    assert "< HTTP/1.1 200 OK\r\n< server: envoy\r\n" in err


def test_progress_meter_without_silent(cluster: Cluster) -> None:
    code, _, err = curl(cluster, "http://httpbin:8000/status/200")
    assert code == 0
    assert err.startswith("  % Total    % Received % Xferd  Average Speed")


def test_unresolvable_host(cluster: Cluster) -> None:
    # an isolated cluster: public names other than the simulated internet do not resolve
    code, out, err = curl(cluster, "-sS", "http://unknown.example.com/")
    assert (code, out, err) == (6, "", "curl: (6) Could not resolve host: unknown.example.com\n")


def test_silent_hides_errors(cluster: Cluster) -> None:
    code, out, err = curl(cluster, "-s", "-w", "%{http_code}", "http://nowhere/")
    assert (code, out, err) == (6, "000", "")


def test_service_without_endpoints_is_refused_without_sidecar(cluster: Cluster) -> None:
    code, _, err = curl(cluster, "-sS", "http://empty.default/", namespace="legacy")
    assert code == 7
    assert err.startswith("curl: (7) Failed to connect to empty.default port 80 after ")
    assert err.endswith(" ms: Couldn't connect to server\n")


def test_service_without_endpoints_behind_sidecar_is_no_healthy_upstream(cluster: Cluster) -> None:
    code, out, _ = curl(cluster, "-s", "-w", " %{http_code}", "http://empty/")
    assert (code, out) == (0, "no healthy upstream 503")


def test_max_time(cluster: Cluster) -> None:
    code, _, err = curl(cluster, "-sS", "--max-time", "2", "http://httpbin:8000/delay/5")
    assert code == 28
    assert err == "curl: (28) Operation timed out after 2001 milliseconds with 0 bytes received\n"


def test_output_file_and_cookie_jar(cluster: Cluster) -> None:
    code, out, _ = curl(cluster, "-s", "-o", "/tmp/body", "-c", "/tmp/jar",
                        "http://httpbin:8000/response-headers?set-cookie=a%3Db")  # fmt: skip
    assert (code, out) == (0, "")
    result = t.run(cluster, "default", "curl", ["cat", "/tmp/jar"])
    assert b"\ta\tb\n" in result.stdout
    result = t.run(cluster, "default", "curl", ["curl", "-s", "-b", "/tmp/jar",
                                                "http://httpbin:8000/cookies"])  # fmt: skip
    assert b'"a": "b"' in result.stdout


def test_post_data(cluster: Cluster) -> None:
    code, out, _ = curl(cluster, "-s", "-d", "x=1", "http://httpbin:8000/post")
    assert code == 0
    assert '"form": {\n    "x": "1"\n  }' in out


def test_resolve_override(cluster: Cluster) -> None:
    ip = t.pod_named(cluster, "default", "httpbin")["status"]["podIP"]
    code, out, _ = curl(cluster, "-s", "--resolve", f"anything.test:80:{ip}",
                        "-w", "%{remote_ip}", "-o", "/dev/null", "http://anything.test/get",
                        namespace="legacy")  # fmt: skip
    assert (code, out) == (0, ip)


def test_usage_error(cluster: Cluster) -> None:
    code, _, err = curl(cluster, "--nope", "http://a")
    assert code == 2
    assert err == ("curl: option --nope: is unknown\n"
                   "curl: try 'curl --help' or 'curl --manual' for more information\n")  # fmt: skip


def test_no_url(cluster: Cluster) -> None:
    assert curl(cluster, "-s")[0] == 2


def test_not_in_images_without_curl(cluster: Cluster) -> None:
    assert cluster.programs.lookup("curl", "docker.io/library/redis:7") is None
    assert cluster.programs.lookup("curl", "curlimages/curl") is not None


def test_follow_redirect_with_dump_header(cluster: Cluster) -> None:
    # egress-control: curl -sSL -o /dev/null -D - http://edition.cnn.com/politics shows the
    # 301 to https and then the HTTP/2 200
    code, out, _ = curl(cluster, "-sSL", "-o", "/dev/null", "-D", "-",
                        "http://edition.cnn.com/politics")  # fmt: skip
    assert code == 0
    assert out.startswith("HTTP/1.1 301 Moved Permanently\r\n")
    assert "\r\n\r\nHTTP/2 200\r\n" in out


def test_data_from_file_and_basic_auth(cluster: Cluster) -> None:
    t.run(cluster, "default", "curl", ["sh", "-c", "printf 'a=1\\nb=2' > /tmp/form"])
    code, out, _ = curl(cluster, "-s", "-u", "user:pass", "--data", "@/tmp/form",
                        "http://httpbin:8000/post")  # fmt: skip
    assert code == 0
    assert '"Authorization": "Basic dXNlcjpwYXNz"' in out
    assert '"a": "1b=2"' in out  # -d strips newlines from the file, as curl does


def test_custom_host_header_and_removed_header(cluster: Cluster) -> None:
    code, out, _ = curl(cluster, "-s", "-H", "Host: httpbin", "-H", "Accept:",
                        "http://httpbin:8000/headers")  # fmt: skip
    assert code == 0
    assert '"Host": "httpbin"' in out
    assert '"Accept"' not in out


def test_time_scale_waits_the_virtual_duration() -> None:
    made = t.lab()
    t.httpbin(made)
    t.curl_client(made)
    made.extensions["mesh.time_scale"] = 0.001
    import time

    start = time.monotonic()
    result = t.curl(made, "-s", "-o", "/dev/null", "http://httpbin:8000/delay/10")
    assert result.exit_code == 0
    assert time.monotonic() - start >= 0.01


@pytest.mark.parametrize(
    ("flag", "status_line"),
    [("--http1.1", b"HTTP/1.1 200 OK"), ("--http2", b"HTTP/1.1 200 OK"),
     ("--http2-prior-knowledge", b"HTTP/2 200")],
    ids=["http1.1", "http2-upgrade-not-granted", "prior-knowledge"],
)  # fmt: skip
def test_http_versions(cluster: Cluster, flag: str, status_line: bytes) -> None:
    result = t.curl(cluster, "-sI", flag, "http://httpbin:8000/get")
    assert result.stdout.split(b"\r\n", 1)[0] == status_line


def test_retry_on_transient_http_error(cluster: Cluster) -> None:
    # curl(1) --retry: HTTP 503 is transient; curl warns and waits 1, 2, 4 ... seconds
    result = t.curl(cluster, "-S", "--retry", "2", "-o", "/dev/null", "-w", "%{http_code}\\n",
                    "http://httpbin:8000/status/503")  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout == b"503\n503\n503\n"
    err = result.stderr.decode()
    assert "Warning: Problem : HTTP error. Will retry in 1 second. 2 retries left.\n" in err
    assert "Warning: Problem : HTTP error. Will retry in 2 seconds. 1 retry left.\n" in err


def test_connect_to(cluster: Cluster) -> None:
    # curl(1) --connect-to HOST1:PORT1:HOST2:PORT2: the Host header stays, the connection moves
    result = t.curl(cluster, "-s", "--connect-to", "example.test:80:httpbin:8000",
                    "http://example.test/headers")  # fmt: skip
    assert b'"Host": "example.test"' in result.stdout
