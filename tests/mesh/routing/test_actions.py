"""What a matched rule does: weights, rewrite, redirect, direct response, timeouts, retries,
faults, mirrors, header operations and destination ports.

Sources: ISTIO-SEMANTICS.md VirtualService "Weights", "rewrite", "Timeout", "Retries",
"Faults" and "Mirror" lines; istio/istio pilot/pkg/networking/core/route/route.go
(applyHTTPRouteDestination: weight 0 dropped among several, timeout 0 by default, prefix
rewrite, mirror percentages; ApplyRedirect: 301 default, port and scheme; GetDestinationCluster:
destination port, else the service's only port, else the listener port) and
route/retry/retry.go (DefaultPolicy, ConvertPolicy).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing import DirectResponse, Redirect, RetryPolicy, Routed

DEFAULT_RETRY_ON = frozenset(
    {"connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"}
)


def rule(body: str, host: str = "reviews") -> str:
    return f"""
kind: VirtualService
metadata: {{name: vs}}
spec:
  hosts: [{host}]
  http:
  - {body}
"""


def test_weights_need_not_sum_to_100_and_zero_is_dropped(
    build: Any, send_from: Any, dests: Any
) -> None:
    view, proxy = build(
        rule("""route:
    - {destination: {host: reviews, subset: v1}, weight: 1}
    - {destination: {host: reviews, subset: v2}, weight: 3}
    - {destination: {host: reviews, subset: v3}, weight: 0}""")
    )
    out = send_from(view, proxy, "http://reviews:9080/")
    assert dests(out) == [
        ("reviews.default.svc.cluster.local", "v1", 9080, 1),
        ("reviews.default.svc.cluster.local", "v2", 9080, 3),
    ]
    rng = random.Random(7)
    picks = [out.pick(rng).destination.subset for _ in range(40000)]
    assert abs(picks.count("v2") / len(picks) - 0.75) < 0.01


def test_single_destination_gets_everything(build: Any, send_from: Any, dests: Any) -> None:
    view, proxy = build(rule("route: [{destination: {host: reviews, subset: v1}, weight: 0}]"))
    assert dests(send_from(view, proxy, "http://reviews:9080/"))[0][3] == 100


@pytest.mark.parametrize(
    ("destination", "port", "expected"),
    [
        ("{host: reviews, port: {number: 9080}}", 9080, 9080),
        ("{host: ratings}", 9080, 9080),  # the service's only port
        ("{host: tcp-echo}", 9080, 9080),  # several ports: the listener port
    ],
)
def test_destination_port(
    build: Any, send_from: Any, destination: str, port: int, expected: int
) -> None:
    view, proxy = build(rule(f"route: [{{destination: {destination}}}]"))
    out = send_from(view, proxy, "http://reviews:9080/", port=port)
    assert out.destinations[0].destination.port == expected


@pytest.mark.parametrize(
    ("match", "rewrite", "path", "expected"),
    [
        ("{uri: {prefix: /old}}", "{uri: /new}", "/old/x?q=1", "/new/x?q=1"),
        ("{uri: {exact: /old}}", "{uri: /new}", "/old", "/new"),
        ("{uri: {regex: '/o.d'}}", "{uri: /new}", "/old", "/new"),
        ("{headers: {x: {exact: a}}}", "{uri: /v1}", "/foo", "/v1foo"),  # prefix "/" replaced
        ("{uri: {prefix: /a}}", "{uriRegexRewrite: {match: '^/a/(.*)', rewrite: '/b/\\1'}}",
         "/a/c", "/b/c"),
    ],
)  # fmt: skip
def test_rewrite_uri(
    build: Any, send_from: Any, match: str, rewrite: str, path: str, expected: str
) -> None:
    view, proxy = build(
        rule(
            f"match: [{match}]\n    rewrite: {rewrite}\n"
            "    route: [{destination: {host: reviews}}]"
        )
    )
    out = send_from(view, proxy, f"http://reviews:9080{path}", {"x": "a"})
    request = HttpRequest("GET", "reviews:9080", path, headers=(("x", "a"),))
    assert out.upstream_request(request).path == expected


def test_rewrite_authority_and_header_operations(build: Any, send_from: Any) -> None:
    view, proxy = build(
        rule("""headers:
      request: {set: {x-set: s}, add: {x-add: a}, remove: [x-gone]}
      response: {set: {x-resp: r}}
    rewrite: {authority: example.com}
    route:
    - destination: {host: reviews}
      headers: {request: {set: {x-dest: d}}}""")
    )
    out = send_from(view, proxy, "http://reviews:9080/", {"x-gone": "1", "x-set": "old"})
    request = HttpRequest("GET", "reviews:9080", "/", headers=(("x-gone", "1"), ("x-set", "old")))
    up = out.upstream_request(request, out.destinations[0])
    assert up.authority == "example.com"
    assert (up.header("x-set"), up.header("x-add"), up.header("x-dest")) == ("s", "a", "d")
    assert up.header("x-gone") is None
    assert out.response_operations().set == (("x-resp", "r"),)


@pytest.mark.parametrize(
    ("redirect", "url", "status", "location"),
    [
        ("{uri: /new}", "http://reviews:9080/old?a=1", 301, "http://reviews:9080/new?a=1"),
        ("{uri: /new, redirectCode: 302}", "http://reviews:9080/old", 302, "http://reviews:9080/new"),
        ("{authority: example.com}", "http://reviews:9080/p", 301, "http://example.com/p"),
        ("{port: 8080}", "http://reviews:9080/p", 301, "http://reviews:8080/p"),
        ("{port: 80}", "http://reviews:9080/p", 301, "http://reviews/p"),
        ("{scheme: https, port: 443}", "http://reviews:9080/p", 301, "https://reviews/p"),
        ("{derivePort: FROM_REQUEST_PORT, authority: a.com}", "http://reviews:9080/p", 301,
         "http://a.com:9080/p"),
    ],
)  # fmt: skip
def test_redirect(
    build: Any, send_from: Any, redirect: str, url: str, status: int, location: str
) -> None:
    view, proxy = build(rule(f"redirect: {redirect}"))
    out = send_from(view, proxy, url)
    assert isinstance(out, Redirect)
    assert (out.status, out.location) == (status, location)


def test_direct_response(build: Any, send_from: Any) -> None:
    view, proxy = build(rule("directResponse: {status: 503, body: {string: unavailable}}"))
    out = send_from(view, proxy, "http://reviews:9080/")
    assert out == DirectResponse(503, b"unavailable", "", out.virtual_service)


def test_timeout_disabled_by_default_and_set_by_rule(build: Any, send_from: Any) -> None:
    view, proxy = build(rule("timeout: 0.5s\n    route: [{destination: {host: reviews}}]"))
    assert send_from(view, proxy, "http://reviews:9080/").timeout == 0.5
    assert send_from(view, proxy, "http://ratings:9080/").timeout is None


def test_default_retries_do_not_retry_503(build: Any, send_from: Any) -> None:
    view, proxy = build()
    out = send_from(view, proxy, "http://reviews:9080/")
    assert isinstance(out, Routed)
    assert out.retries == RetryPolicy(2, None, DEFAULT_RETRY_ON, frozenset())
    assert not out.retries.retries_status(503)
    assert out.retries.retries_connect_failure()


@pytest.mark.parametrize(
    ("retries", "expected"),
    [
        ("{attempts: 0}", RetryPolicy(0, None, frozenset(), frozenset())),
        ("{attempts: 3, perTryTimeout: 2s}", RetryPolicy(3, 2.0, DEFAULT_RETRY_ON, frozenset())),
        ("{attempts: 3, retryOn: 'gateway-error,503'}",
         RetryPolicy(3, None, frozenset({"gateway-error", "retriable-status-codes"}),
                     frozenset({503}))),
    ],
)  # fmt: skip
def test_explicit_retries(build: Any, send_from: Any, retries: str, expected: RetryPolicy) -> None:
    view, proxy = build(
        rule(f"retries: {retries}\n    route: [{{destination: {{host: reviews}}}}]")
    )
    assert send_from(view, proxy, "http://reviews:9080/").retries == expected


def test_mesh_default_retry_policy_replaces_the_default(build: Any, send_from: Any) -> None:
    mesh = "defaultHttpRetryPolicy:\n  attempts: 5\n  retryOn: 5xx\n"
    view, proxy = build(mesh=mesh)
    out = send_from(view, proxy, "http://reviews:9080/")
    assert out.retries == RetryPolicy(5, None, frozenset({"5xx"}), frozenset())
    assert out.retries.retries_status(503)


def test_faults(build: Any, send_from: Any) -> None:
    view, proxy = build(
        rule("""fault:
      delay: {fixedDelay: 7s, percentage: {value: 100}}
      abort: {httpStatus: 500}
    route: [{destination: {host: reviews}}]""")
    )
    fault = send_from(view, proxy, "http://reviews:9080/").fault
    assert (fault.delay, fault.delay_percentage) == (7.0, 100.0)
    assert (fault.abort_status, fault.abort_percentage) == (500, 0.0)  # unset percentage = 0


@pytest.mark.parametrize(
    ("mirror", "expected"),
    [
        ("mirror: {host: ratings}", [("ratings.default.svc.cluster.local", 100.0)]),
        ("mirror: {host: ratings}\n    mirrorPercentage: {value: 25}",
         [("ratings.default.svc.cluster.local", 25.0)]),
        ("mirror: {host: ratings}\n    mirrorPercentage: {value: 0}", []),
        ("mirrors: [{destination: {host: ratings}}, {destination: {host: reviews, subset: v2},"
         " percentage: {value: 10}}]",
         [("ratings.default.svc.cluster.local", 100.0),
          ("reviews.default.svc.cluster.local", 10.0)]),
    ],
)  # fmt: skip
def test_mirrors(
    build: Any, send_from: Any, mirror: str, expected: list[tuple[str, float]]
) -> None:
    view, proxy = build(rule(f"{mirror}\n    route: [{{destination: {{host: reviews}}}}]"))
    out = send_from(view, proxy, "http://reviews:9080/")
    assert [(m.destination.host, m.percentage) for m in out.mirrors] == expected
