"""VirtualService http matching on a sidecar: rule order, match kinds, catch-alls and 404.

Sources: ISTIO-SEMANTICS.md VirtualService "Order" and "Matchers" lines; istio/istio
pilot/pkg/networking/core/route/route.go (TranslateRouteMatch: exact -> path, prefix -> plain
prefix, regex -> RE2 safe_regex on the whole path, ignoreUriCase -> case_sensitive false,
headers / withoutHeaders with presence and treat-missing-as-empty, query params, method,
:authority, :scheme; translateRoute skips a match whose port differs); virtual_service.proto.
"""

from __future__ import annotations

from typing import Any

import pytest

from meshcert.mesh.routing import NoRoute, Routed

VS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: reviews}}
spec:
  hosts: [reviews]
  http:
  - name: matched
    match: [{match}]
    route: [{{destination: {{host: reviews, subset: v2}}}}]
  - name: rest
    route: [{{destination: {{host: reviews, subset: v1}}}}]
"""

# (id, match YAML, url, headers, method, matched?)
MATCHES: list[tuple[str, str, str, dict[str, str], str, bool]] = [
    ("exact", "{uri: {exact: /a}}", "/a", {}, "GET", True),
    ("exact-query-ignored", "{uri: {exact: /a}}", "/a?x=1", {}, "GET", True),
    ("exact-no-prefix", "{uri: {exact: /a}}", "/ab", {}, "GET", False),
    ("prefix-is-plain-string", "{uri: {prefix: /status}}", "/statusx", {}, "GET", True),
    ("prefix-case", "{uri: {prefix: /A}}", "/a", {}, "GET", False),
    ("ignore-uri-case-prefix", "{uri: {prefix: /A}, ignoreUriCase: true}", "/a/b", {}, "GET", True),
    ("ignore-uri-case-exact", "{uri: {exact: /A}, ignoreUriCase: true}", "/a", {}, "GET", True),
    ("regex-whole-path", "{uri: {regex: '/api/v[0-9]+'}}", "/api/v1", {}, "GET", True),
    ("regex-not-partial", "{uri: {regex: '/api/v[0-9]+'}}", "/api/v1/x", {}, "GET", False),
    ("header-exact", "{headers: {end-user: {exact: jason}}}", "/", {"end-user": "jason"}, "GET",
     True),
    ("header-name-case", "{headers: {End-User: {exact: jason}}}", "/", {"end-user": "jason"}, "GET",
     True),
    ("header-value-case", "{headers: {end-user: {exact: jason}}}", "/", {"end-user": "Jason"},
     "GET",
     False),
    ("header-missing", "{headers: {end-user: {exact: jason}}}", "/", {}, "GET", False),
    ("header-presence-empty", "{headers: {x-a: {}}}", "/", {"x-a": ""}, "GET", True),
    ("header-presence-star", "{headers: {x-a: {regex: '*'}}}", "/", {"x-a": "v"}, "GET", True),
    ("header-regex", "{headers: {x-a: {regex: 'v[0-9]'}}}", "/", {"x-a": "v7"}, "GET", True),
    ("header-prefix", "{headers: {x-a: {prefix: ab}}}", "/", {"x-a": "abc"}, "GET", True),
    ("without-missing-satisfies", "{withoutHeaders: {x-a: {exact: v}}}", "/", {}, "GET", True),
    ("without-present-fails", "{withoutHeaders: {x-a: {exact: v}}}", "/", {"x-a": "v"}, "GET",
     False),
    ("without-other-value", "{withoutHeaders: {x-a: {exact: v}}}", "/", {"x-a": "w"}, "GET", True),
    ("without-presence", "{withoutHeaders: {x-a: {}}}", "/", {"x-a": "w"}, "GET", False),
    ("query-exact", "{queryParams: {u: {exact: a}}}", "/p?u=a&v=b", {}, "GET", True),
    ("query-missing", "{queryParams: {u: {exact: a}}}", "/p?v=b", {}, "GET", False),
    ("query-regex", "{queryParams: {u: {regex: 'a+'}}}", "/p?u=aaa", {}, "GET", True),
    ("method", "{method: {exact: POST}}", "/", {}, "POST", True),
    ("method-other", "{method: {exact: POST}}", "/", {}, "GET", False),
    ("authority-includes-port", "{authority: {exact: reviews}}", "/", {}, "GET", False),
    ("authority-prefix", "{authority: {prefix: reviews}}", "/", {}, "GET", True),
    ("scheme", "{scheme: {exact: http}}", "/", {}, "GET", True),
    ("port-same", "{port: 9080}", "/", {}, "GET", True),
    ("port-other", "{port: 9081}", "/", {}, "GET", False),
    ("anded-fields", "{uri: {prefix: /a}, headers: {x: {exact: '1'}}}", "/a", {}, "GET", False),
    ("source-labels", "{sourceLabels: {app: curl}}", "/", {}, "GET", True),
    ("source-labels-other", "{sourceLabels: {app: productpage}}", "/", {}, "GET", False),
    ("source-namespace", "{sourceNamespace: default}", "/", {}, "GET", True),
    ("source-namespace-other", "{sourceNamespace: other}", "/", {}, "GET", False),
    ("match-gateways-mesh", "{gateways: [mesh]}", "/", {}, "GET", True),
    ("match-gateways-gw-ignores-sources", "{gateways: [gw], sourceLabels: {app: curl}}", "/", {},
     "GET", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("match", "path", "headers", "method", "matched"),
    [c[1:] for c in MATCHES],
    ids=[c[0] for c in MATCHES],
)
def test_match_kinds(
    build: Any, send_from: Any, match: str, path: str, headers: dict[str, str], method: str,
    matched: bool,
) -> None:  # fmt: skip
    view, proxy = build(VS.format(match=match))
    out = send_from(view, proxy, f"http://reviews:9080{path}", headers, method)
    assert isinstance(out, Routed)
    assert out.route_name == ("matched" if matched else "rest")
    assert out.destinations[0].destination.subset == ("v2" if matched else "v1")


def test_match_entries_are_ored_and_the_route_is_named_by_match(build: Any, send_from: Any) -> None:
    view, proxy = build(VS.format(match="{name: a, uri: {exact: /a}}, {name: b, uri: {exact: /b}}"))
    assert send_from(view, proxy, "http://reviews:9080/a").route_name == "matched.a"
    assert send_from(view, proxy, "http://reviews:9080/b").route_name == "matched.b"


def test_first_match_wins_and_catch_all_shadows_later_rules(build: Any, send_from: Any) -> None:
    view, proxy = build("""
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v1}}]
  - match: [{uri: {prefix: /}}]
    route: [{destination: {host: reviews, subset: v3}}]
""")
    out = send_from(view, proxy, "http://reviews:9080/anything")
    assert out.destinations[0].destination.subset == "v1"


def test_nothing_matched_is_404_nr(build: Any, send_from: Any) -> None:
    view, proxy = build("""
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /only}}]
    route: [{destination: {host: reviews}}]
""")
    out = send_from(view, proxy, "http://reviews:9080/other")
    assert isinstance(out, NoRoute)
    assert (out.status, out.flag) == (404, "NR")


def test_vs_whose_rules_all_fail_source_conditions_leaves_the_default_route(
    build: Any, send_from: Any
) -> None:
    """route.go: a VirtualService that builds no routes for this proxy builds no virtual host,
    so the service keeps its default route (not a 404)."""
    view, proxy = build(
        VS.format(match="{sourceLabels: {app: nobody}}").replace(
            "  - name: rest\n    route: [{destination: {host: reviews, subset: v1}}]\n", ""
        )
    )
    out = send_from(view, proxy, "http://reviews:9080/")
    assert isinstance(out, Routed)
    assert out.route_name == "default"


def test_without_headers_treat_a_missing_header_as_empty(build: Any, send_from: Any) -> None:
    """route.go TranslateRouteMatch: withoutHeaders set treat_missing_header_as_empty."""
    view, proxy = build(VS.format(match="{withoutHeaders: {x-a: {exact: ''}}}"))
    assert send_from(view, proxy, "http://reviews:9080/").route_name == "rest"
    assert send_from(view, proxy, "http://reviews:9080/", {"x-a": "v"}).route_name == "matched"
