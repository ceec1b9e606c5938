"""Host names: short-name resolution, wildcards and `ns/host` pairs.

Sources: ISTIO-SEMANTICS.md VirtualService "Short hosts" line; istio/istio
pilot/pkg/model/config.go (ResolveShortnameToFQDN), pkg/config/host/name.go (Matches,
SubsetOf).
"""

from __future__ import annotations

import pytest

from meshcert.mesh import hosts


@pytest.mark.parametrize(
    ("host", "namespace", "expected"),
    [
        ("reviews", "default", "reviews.default.svc.cluster.local"),
        ("Reviews", "default", "reviews.default.svc.cluster.local"),
        ("reviews.prod", "default", "reviews.prod"),
        ("reviews.prod.svc.cluster.local", "default", "reviews.prod.svc.cluster.local"),
        ("*", "default", "*"),
        ("*.example.com", "default", "*.example.com"),
        ("10.0.0.1", "default", "10.0.0.1"),
    ],
)
def test_resolve(host: str, namespace: str, expected: str) -> None:
    assert hosts.resolve(host, namespace) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gw", "default/gw"),
        ("prod/gw", "prod/gw"),
        ("mesh", "mesh"),
        ("gw.prod.svc.cluster.local", "prod/gw"),
    ],
)  # fmt: skip
def test_resolve_gateway(name: str, expected: str) -> None:
    assert hosts.resolve_gateway(name, "default") == expected


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("*", "anything.io", True),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),
        ("a.example.com", "a.example.com", True),
        ("a.example.com", "*.example.com", False),
        ("*.com", "*.example.com", True),
    ],
)
def test_matches(pattern: str, host: str, expected: bool) -> None:
    assert hosts.matches(pattern, host) is expected


def test_wildcard_keys_most_specific_first() -> None:
    assert list(hosts.wildcard_keys("a.b.c")) == ["*.b.c", "*.c", "*"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("./foo.com", ("ns1", "foo.com")),
        ("*/Foo.com", ("*", "foo.com")),
        ("foo.com", ("*", "foo.com")),
    ],
)  # fmt: skip
def test_split_namespaced(value: str, expected: tuple[str, str]) -> None:
    assert hosts.split_namespaced(value, "ns1") == expected


@pytest.mark.parametrize(
    ("authority", "host"),
    [("reviews:9080", "reviews"), ("reviews", "reviews"), ("[::1]:80", "::1"), ("::1", "::1")],
)
def test_strip_port(authority: str, host: str) -> None:
    assert hosts.strip_port(authority) == host
