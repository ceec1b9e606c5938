"""How AuthorizationPolicy values match, key by key, as the Envoy matchers Istio generates
(pilot/pkg/security/authz/model/generator.go, pilot/pkg/security/authz/matcher): each case
names the value form and what it must (not) match."""

from __future__ import annotations

import pytest

from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.security.authz.attributes import normalize_path, remote_ip
from meshcert.mesh.security.authz.matching import (
    Attributes,
    claim_values,
    header_match,
    ip_match,
    path_match,
    string_match,
    value_match,
)
from meshcert.mesh.security.authz.policies import Policy

POLICY = Policy("foo", "p", "ALLOW", (), None, ())


def attrs(**kw: object) -> Attributes:
    base: dict[str, object] = {
        "source_ip": "10.0.0.5",
        "remote_ip": "10.0.0.5",
        "destination_ip": "10.0.0.9",
        "destination_port": 8000,
    }
    base.update(kw)
    return Attributes(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("abc*", "abcd", True),  # prefix
        ("*bcd", "abcd", True),  # suffix
        ("*bcd", "abce", False),
        ("*", "x", True),  # presence: any non-empty value (regex .+)
        ("*", "", False),
        ("*", None, False),
    ],
    ids=lambda v: repr(v),
)
def test_string_values_exact_prefix_suffix_presence(pattern: str, value: str | None,
                                                    expected: bool) -> None:  # fmt: skip
    # istio.io docs/reference/config/security/authorization-policy "Value matching"
    assert string_match(pattern, value) is expected


def test_header_presence_matches_an_empty_header() -> None:
    # matcher.HeaderMatcher: `*` is present_match, not a non-empty regex
    assert header_match("*", "") is True
    assert header_match("*", None) is False


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/ip", "/ip", True),
        ("/ip", "/ip/", False),
        ("/headers*", "/headers/x", True),
        ("*.html", "/a/b.html", True),
        ("/foo/{*}/bar", "/foo/x/bar", True),
        ("/foo/{*}/bar", "/foo/x/y/bar", False),  # {*} is one segment
        ("/foo/{*}/bar", "/foo//bar", False),
        ("/foo/{**}", "/foo/x/y/z", True),  # {**} any number of segments
        ("/foo/{**}/bar", "/foo/x/y/bar", True),
        ("/{*}/foo", "/a/foo", True),
    ],
)
def test_paths_and_path_templates(pattern: str, path: str, expected: bool) -> None:
    # istio.io docs/reference/config/security/authorization-policy Operation.paths; the
    # {*} / {**} templates (Istio 1.22+, Envoy uri_template)
    assert path_match(pattern, path) is expected


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("/ip?x=1", "/ip"),
        ("/a/../ip", "/ip"),
        ("/a/./b", "/a/b"),
        ("/%69p", "/ip"),  # unreserved percent-encoding decoded
        ("/a%2Fb", "/a%2Fb"),  # an encoded slash stays (pathNormalization BASE)
        ("/../ip", "/ip"),
    ],
)
def test_paths_are_matched_normalized_without_query(raw: str, normalized: str) -> None:
    # istio.io docs/ops/best-practices/security "Understand path normalization in
    # authorization policy" (default BASE: RFC 3986)
    assert normalize_path(raw) == normalized


@pytest.mark.parametrize(
    ("block", "address", "expected"),
    [
        ("1.2.3.4", "1.2.3.4", True),
        ("5.6.7.0/24", "5.6.7.200", True),
        ("5.6.7.0/24", "5.6.8.1", False),
        ("not-an-ip", "1.2.3.4", False),
    ],
)
def test_ip_blocks_single_addresses_and_cidr(block: str, address: str, expected: bool) -> None:
    assert ip_match(block, address) is expected


@pytest.mark.parametrize(
    ("key", "value", "principal", "expected"),
    [
        ("source.principal", "cluster.local/ns/foo/sa/curl", "cluster.local/ns/foo/sa/curl", True),
        ("source.principal", "cluster.local/ns/foo/sa/curl", "", False),  # plaintext: none
        ("source.principal", "*", "cluster.local/ns/foo/sa/curl", True),
        ("source.principal", "*", "", False),
        ("source.principal", "*/sa/curl", "cluster.local/ns/foo/sa/curl", True),
        ("source.namespace", "foo", "cluster.local/ns/foo/sa/curl", True),
        ("source.namespace", "fo*", "cluster.local/ns/foo/sa/curl", True),
        ("source.namespace", "bar", "cluster.local/ns/foo/sa/curl", False),
        ("source.namespace", "foo", "", False),  # needs mTLS
        ("source.serviceAccount", "foo/curl", "cluster.local/ns/foo/sa/curl", True),
        ("source.serviceAccount", "curl", "cluster.local/ns/foo/sa/curl", True),  # policy ns
        ("source.serviceAccount", "foo/cur", "cluster.local/ns/foo/sa/curl", False),
        ("source.serviceAccount", "bar/curl", "cluster.local/ns/foo/sa/curl", False),
    ],
)
def test_peer_identity_keys(key: str, value: str, principal: str, expected: bool) -> None:
    # generator.go srcPrincipalGenerator (spiffe:// prefix), srcNamespaceGenerator (regex
    # .*/ns/NS/.*), serviceAccountRegex (spiffe://.+/ns/NS/(.+/|)sa/SA(/.+)?)
    assert value_match(key, value, attrs(principal=principal), POLICY) is expected


def test_principals_of_the_trust_domain_match_its_aliases() -> None:
    # trustdomain.Bundle.ReplaceTrustDomainAliases: cluster.local and the aliases stand for
    # the current trust domain (istio.io docs/tasks/security/authorization/authz-td-migration)
    a = attrs(principal="new-td/ns/foo/sa/curl", trust_domains=("new-td", "old-td"))
    assert value_match("source.principal", "old-td/ns/foo/sa/curl", a, POLICY)
    assert value_match("source.principal", "cluster.local/ns/foo/sa/curl", a, POLICY)
    assert not value_match("source.principal", "other/ns/foo/sa/curl", a, POLICY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("testing@secure.istio.io/testing@secure.istio.io", True),
        ("*", True),
        ("testing@secure.istio.io/*", True),
        ("*/testing@secure.istio.io", True),
        ("other/testing@secure.istio.io", False),
        ("*istio.io", True),  # no "/": any issuer, subject suffix
    ],
)
def test_request_principals_split_issuer_and_subject(value: str, expected: bool) -> None:
    # generator.go requestPrincipalGenerator: the last "/" separates iss and sub
    iss = sub = "testing@secure.istio.io"
    a = attrs(jwt_principal=f"{iss}/{sub}", claims={"iss": iss, "sub": sub})
    assert value_match("request.auth.principal", value, a, POLICY) is expected
    assert not value_match("request.auth.principal", value, attrs(), POLICY)  # no token


def test_claims_nested_and_lists() -> None:
    # istio.io docs/tasks/security/authorization/authz-jwt: request.auth.claims[groups];
    # nested claims with [a][b]; a list claim matches when any element matches
    claims = {"groups": ["group1", "group2"], "nested": {"key1": ["value1", "value2"]}}
    assert claim_values(claims, ["groups"]) == ["group1", "group2"]
    a = attrs(request=HttpRequest("GET", "h"), claims=claims, jwt_principal="i/s")
    assert value_match("request.auth.claims[groups]", "group1", a, POLICY)
    assert value_match("request.auth.claims[nested][key1]", "value2", a, POLICY)
    assert not value_match("request.auth.claims[nested][key2]", "value2", a, POLICY)


def test_hosts_compare_case_insensitively_with_the_whole_authority() -> None:
    # matcher.HostMatcher: ignore_case; the port is part of :authority, so `example.com`
    # does not match `example.com:8000` (use `example.com:*`)
    a = attrs(request=HttpRequest("GET", "Example.COM:8000"))
    assert not value_match("host", "example.com", a, POLICY)
    assert value_match("host", "example.com:*", a, POLICY)
    assert value_match("host", "EXAMPLE.com:8000", a, POLICY)


def test_methods_are_case_sensitive() -> None:
    a = attrs(request=HttpRequest("GET", "h"))
    assert value_match("method", "GET", a, POLICY)
    assert not value_match("method", "get", a, POLICY)


@pytest.mark.parametrize(
    ("xff", "trusted", "gateway", "expected"),
    [
        (None, 0, True, "10.0.0.5"),  # no header: the peer
        ("1.1.1.1", 0, True, "10.0.0.5"),  # gateway, no trusted proxy: the peer
        ("1.1.1.1", 1, True, "1.1.1.1"),  # numTrustedProxies 1: the rightmost entry
        ("1.1.1.1, 2.2.2.2", 2, True, "1.1.1.1"),
        ("1.1.1.1", 2, True, "10.0.0.5"),  # fewer entries than trusted hops: the peer
        ("1.1.1.1, 2.2.2.2", 0, False, "2.2.2.2"),  # sidecar: the rightmost entry
    ],
)
def test_remote_ip_from_x_forwarded_for(xff: str | None, trusted: int, gateway: bool,
                                        expected: str) -> None:  # fmt: skip
    # istio.io docs/ops/configuration/traffic-management/network-topologies; Envoy
    # x-forwarded-for with use_remote_address (gateways) and xff_num_trusted_hops
    headers = (("x-forwarded-for", xff),) if xff else ()
    request = HttpRequest("GET", "h", headers=headers)
    assert remote_ip("10.0.0.5", request, trusted, gateway) == expected


def test_every_request_key_is_http_only() -> None:
    # generator.go: request.* attributes error on TCP ("is HTTP only"); in a DENY rule the
    # clause is dropped, in an ALLOW rule the rule matches nothing
    from meshcert.mesh.security.authz.matching import rule_match
    from meshcert.mesh.security.authz.policies import parse_rule

    when = {"when": [{"key": "request.experimental.inline.headers[x-token]", "values": ["a"]}]}
    rule = parse_rule(when)
    tcp = attrs()
    assert rule_match(rule, tcp, Policy("foo", "p", "DENY", (rule,), None, ()))
    assert not rule_match(rule, tcp, Policy("foo", "p", "ALLOW", (rule,), None, ()))
    http = attrs(request=HttpRequest("GET", "h", headers=(("x-token", "a"),)))
    assert rule_match(rule, http, Policy("foo", "p", "ALLOW", (rule,), None, ()))
