"""Workload behaviour by image, called directly (no network): the sample apps' answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from meshcert.mesh.apps import bookinfo, httpbin, samples
from meshcert.mesh.apps.catalogue import CATALOGUE, ECHO, app_for
from meshcert.mesh.apps.serving import Call
from meshcert.mesh.exchanges import HttpRequest, HttpResponse
from meshcert.mesh.simulation.deliveries import Delivery, Failure

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def call(path: str, *, method: str = "GET", headers: tuple[tuple[str, str], ...] = (),
         body: bytes = b"", container: dict[str, Any] | None = None,
         env: dict[str, str] | None = None, fetched: list[str] | None = None,
         answer: Delivery | None = None) -> Call:  # fmt: skip
    def fetch(url: str, hdrs: tuple[tuple[str, str], ...], timeout: float | None) -> Delivery:
        if fetched is not None:
            fetched.append(url)
        return answer or Delivery(None, Failure.RESOLVE)

    return Call(
        pod={"metadata": {"name": "app-1", "namespace": "default"}},
        container=container or {},
        request=HttpRequest(method, "httpbin:8000", path, "http", headers, body),
        port=80,
        peer="127.0.0.6",
        now=NOW,
        fetch=fetch,
        log=lambda line: None,
        env_of=lambda: env or {},
    )


def body(response: HttpResponse) -> Any:
    return json.loads(response.body)


def test_httpbin_headers_title_cased_and_hides_proxy_headers() -> None:
    # postmanlabs/httpbin helpers.py get_headers: ENV_HEADERS hidden unless ?show_env=1
    got = httpbin.httpbin(call("/headers", headers=(("x-envoy-attempt-count", "1"),
                                                    ("x-request-id", "abc"))))  # fmt: skip
    assert body(got) == {"headers": {"Host": "httpbin:8000", "X-Envoy-Attempt-Count": "1"}}
    shown = httpbin.httpbin(call("/headers?show_env=1", headers=(("x-request-id", "abc"),)))
    assert body(shown)["headers"]["X-Request-Id"] == "abc"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/status/200", 200), ("/status/418", 418), ("/status/503", 503), ("/nope", 404),
     ("/status/x", 400)],
    ids=["200", "teapot", "503", "unknown-path", "bad-code"],
)  # fmt: skip
def test_httpbin_status(path: str, status: int) -> None:
    assert httpbin.httpbin(call(path)).status == status


def test_httpbin_delay_is_capped_at_10s() -> None:
    assert httpbin.httpbin(call("/delay/3")).duration == 3.0
    assert httpbin.httpbin(call("/delay/60")).duration == 10.0


def test_httpbin_ip_prefers_forwarded_for() -> None:
    assert body(httpbin.httpbin(call("/ip"))) == {"origin": "127.0.0.6"}
    forwarded = call("/ip", headers=(("x-forwarded-for", "10.0.0.9"),))
    assert body(httpbin.httpbin(forwarded)) == {"origin": "10.0.0.9"}


def test_httpbin_method_not_allowed() -> None:
    assert httpbin.httpbin(call("/get", method="POST")).status == 405


def test_reviews_versions() -> None:
    # LibertyRestEndpoint.java: v1 has no ratings; v2/v3 call ratings (10 s / 2.5 s) and
    # report "Ratings service is currently unavailable" when that fails
    urls: list[str] = []
    v1 = bookinfo.reviews_app("v1")(call("/reviews/0", fetched=urls))
    assert urls == []
    assert "rating" not in body(v1)["reviews"][0]
    v3 = bookinfo.reviews_app("v3")(call("/reviews/0", fetched=urls))
    assert urls == ["http://ratings:9080/ratings/0"]
    assert body(v3)["reviews"][0]["rating"] == {"error": bookinfo.RATINGS_ERROR}
    ok = Delivery(bookinfo.ratings(call("/ratings/0")))
    v2 = bookinfo.reviews_app("v2")(call("/reviews/0", answer=ok))
    assert body(v2)["reviews"][0]["rating"] == {"stars": 5, "color": "black"}


def test_productpage_retries_reviews_once() -> None:
    urls: list[str] = []
    page = bookinfo.productpage(call("/productpage", fetched=urls))
    assert urls == ["http://details:9080/details/0", "http://reviews:9080/reviews/0",
                    "http://reviews:9080/reviews/0"]  # fmt: skip
    assert bookinfo.REVIEWS_ERROR.encode() in page.body
    assert b"<title>Simple Bookstore App</title>" in page.body


def test_login_sets_session_and_user_is_forwarded() -> None:
    login = bookinfo.productpage(call("/login", method="POST", body=b"username=jason&passwd=x",
                                      headers=(("content-type", "application/x-www-form-urlencoded"),)))  # fmt: skip  # noqa: E501
    assert login.status == 302
    cookie = login.header("set-cookie")
    assert cookie is not None
    assert cookie.startswith("session=")
    session = cookie.split(";")[0]
    assert bookinfo.session_user(call("/productpage", headers=(("cookie", session),))) == "jason"


def test_helloworld_and_tcp_echo() -> None:
    hello = samples.helloworld(call("/hello", env={"SERVICE_VERSION": "v2", "HOSTNAME": "hw-1"}))
    assert hello.body == b"Hello version: v2, instance: hw-1\n"
    echoed = samples.tcp_echo(call("", container={"args": ["9000", "one"]}), b"hello\n")
    assert echoed == b"one hello\n"


def test_fortio_server_status_and_delay() -> None:
    got = samples.fortio_server(call("/echo?status=503&delay=250ms"))
    assert got.status == 503
    assert got.duration == pytest.approx(0.2505)


@pytest.mark.parametrize(
    ("image", "name"),
    [("docker.io/istio/examples-bookinfo-reviews-v3:1.20.2", "reviews-v3"),
     ("docker.io/kennethreitz/httpbin", "httpbin"), ("curlimages/curl", "curl"),
     ("docker.io/istio/helloworld-v1:1.0", "helloworld"), ("ghcr.io/example/web:1.0", "echo")],
    ids=["reviews-v3", "httpbin", "curl", "helloworld", "other"],
)  # fmt: skip
def test_catalogue(image: str, name: str) -> None:
    assert app_for(image).name == name


def test_every_listening_app_answers_something() -> None:
    for _pattern, app in CATALOGUE:
        if app.http is not None:
            assert isinstance(app.http(call("/")), HttpResponse)
    assert ECHO.http is not None
    assert ECHO.http(call("/x")).status == 200


def test_go_httpbin_lists_header_values_and_logs_each_request() -> None:
    # mccutchen/go-httpbin (Istio's samples/httpbin since 1.23): header values are lists
    from meshcert.mesh.apps.go_httpbin import go_httpbin

    lines: list[str] = []
    request = call("/headers", headers=(("x-envoy-attempt-count", "1"),))
    request = Call(request.pod, request.container, request.request, 8080, request.peer,
                   request.now, request.fetch, lines.append)  # fmt: skip
    got = go_httpbin(request)
    assert body(got)["headers"]["X-Envoy-Attempt-Count"] == ["1"]
    assert lines == [
        'time="2026-01-02T03:04:05.0000" status=200 method="GET" uri="/headers" '
        f'size_bytes={len(got.body)} duration_ms=0.50 user_agent="" client_ip=127.0.0.6'
    ]
    assert app_for("docker.io/mccutchen/go-httpbin:v2.15.0").listens_on(8080, {})
