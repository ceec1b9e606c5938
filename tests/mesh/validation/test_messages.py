"""Istio's validation messages per kind, one row per rule, each citing its source.

Sources: istio/istio pkg/config/validation/validation.go and virtualservice.go (the message
texts), ISTIO-SEMANTICS.md (VirtualService weights and invalid combinations).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from meshcert.mesh.validation import validate_config

RE2 = "Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)"


def route(extra: str = "") -> str:
    return "route: [{destination: {host: reviews}}]" + extra


CASES: list[tuple[str, str, str, str]] = [
    # (id, kind, spec YAML, expected error; "" = valid)
    ("vs-valid", "VirtualService", f"hosts: [reviews]\nhttp: [{{{route()}}}]", ""),
    # weights: each >= 0, sum free, total 0 invalid with >1 destination
    # (validateHTTPRouteDestinations)
    ("vs-weights-free-sum", "VirtualService",
     "hosts: [r]\nhttp: [{route: [{destination: {host: r, subset: a}, weight: 10},"
     " {destination: {host: r, subset: b}, weight: 20}]}]", ""),
    ("vs-weight-total-zero", "VirtualService",
     "hosts: [r]\nhttp: [{route: [{destination: {host: r}, weight: 0},"
     " {destination: {host: r}, weight: 0}]}]", "total destination weight = 0"),
    ("vs-single-weight-zero-ok", "VirtualService",
     "hosts: [r]\nhttp: [{route: [{destination: {host: r}, weight: 0}]}]", ""),
    ("vs-negative-weight", "VirtualService",
     "hosts: [r]\nhttp: [{route: [{destination: {host: r}, weight: -1}]}]", "weight -1 < 0"),
    # invalid combinations (validateHTTPRouteConflict)
    ("vs-route-required", "VirtualService", "hosts: [r]\nhttp: [{timeout: 1s}]",
     "HTTP route, redirect or direct_response is required"),
    ("vs-route-and-redirect", "VirtualService",
     f"hosts: [r]\nhttp: [{{{route(', redirect: {uri: /x}')}}}]",
     "HTTP route cannot contain both route and redirect"),
    ("vs-fault-and-redirect", "VirtualService",
     "hosts: [r]\nhttp: [{redirect: {uri: /x}, fault: {abort: {httpStatus: 500}}}]",
     "HTTP route cannot contain both fault and redirect"),
    ("vs-rewrite-and-redirect", "VirtualService",
     "hosts: [r]\nhttp: [{redirect: {uri: /x}, rewrite: {uri: /y}}]",
     "HTTP route rule cannot contain both rewrite and redirect"),
    ("vs-redirect-and-direct", "VirtualService",
     "hosts: [r]\nhttp: [{redirect: {uri: /x}, directResponse: {status: 200}}]",
     "HTTP route rule cannot contain both direct_response and redirect"),
    ("vs-route-and-direct", "VirtualService",
     f"hosts: [r]\nhttp: [{{{route(', directResponse: {status: 503}')}}}]",
     "HTTP route cannot contain both route and direct_response"),
    ("vs-fault-and-direct", "VirtualService",
     "hosts: [r]\nhttp: [{directResponse: {status: 503}, fault: {delay: {fixedDelay: 1s}}}]",
     "HTTP route cannot contain both fault and direct_response"),
    ("vs-rewrite-and-direct", "VirtualService",
     "hosts: [r]\nhttp: [{directResponse: {status: 503}, rewrite: {uri: /x}}]",
     "HTTP route rule cannot contain both rewrite and direct_response"),
    ("vs-mirror-and-mirrors", "VirtualService",
     f"hosts: [r]\nhttp: [{{{route(', mirror: {host: m}, mirrors: [{destination: {host: m}}]')}}}]",
     "HTTP route cannot contain both mirror and mirrors"),
    # hosts (ValidateVirtualService)
    ("vs-no-rules", "VirtualService", "hosts: [r]",
     "http, tcp or tls must be provided in virtual service"),
    ("vs-star-on-mesh", "VirtualService", f"hosts: ['*']\nhttp: [{{{route()}}}]",
     "wildcard host * is not allowed for virtual services bound to the mesh gateway"),
    ("vs-star-on-gateway", "VirtualService",
     f"hosts: ['*']\ngateways: [gw]\nhttp: [{{{route()}}}]", ""),
    ("vs-duplicate-hosts", "VirtualService",
     f"hosts: ['*.foo.com', 'a.foo.com']\nhttp: [{{{route()}}}]",
     "duplicate hosts in virtual service: *.foo.com & a.foo.com"),
    ("vs-bad-host", "VirtualService", f"hosts: [Reviews]\nhttp: [{{{route()}}}]",
     'domain name "Reviews" invalid (label "Reviews" invalid)'),
    ("vs-delegate-gateways", "VirtualService", f"gateways: [gw]\nhttp: [{{{route()}}}]",
     "delegate virtual service must have no gateways specified"),
    # regex (validateStringMatchRegexp: Go regexp syntax, whole-value RE2)
    ("vs-bad-regex", "VirtualService",
     f"hosts: [r]\nhttp: [{{match: [{{uri: {{regex: '(abc'}}}}], {route()}}}]",
     f'"uri": error parsing regexp: missing closing ): `(abc`; {RE2}'),
    ("vs-lookahead", "VirtualService",
     f"hosts: [r]\nhttp: [{{match: [{{headers: {{x: {{regex: '(?=a)'}}}}}}], {route()}}}]",
     f'"headers": error parsing regexp: invalid or unsupported Perl syntax: `(?=`; {RE2}'),
    ("vs-empty-prefix-method", "VirtualService",
     f"hosts: [r]\nhttp: [{{match: [{{method: {{prefix: ''}}}}], {route()}}}]",
     '"method": prefix string match should not be empty'),
    # faults, retries, redirects, timeouts (validateHTTPFaultInjection, validateHTTPRetry, ...)
    ("vs-fault-empty", "VirtualService", f"hosts: [r]\nhttp: [{{fault: {{}}, {route()}}}]",
     "1 error occurred:\n\t* HTTP fault injection must have an abort and/or a delay\n\n"),
    ("vs-fault-percentage", "VirtualService",
     "hosts: [r]\nhttp: [{fault: {abort: {httpStatus: 500, percentage: {value: 150}}}, "
     f"{route()}}}]",
     "percentage 150 is neither 0.0, nor in range [0.0001, 100.0]"),
    ("vs-fault-status", "VirtualService",
     f"hosts: [r]\nhttp: [{{fault: {{abort: {{httpStatus: 700}}}}, {route()}}}]",
     "HTTP status 700 is not in range 200-599"),
    ("vs-retry-on", "VirtualService",
     f"hosts: [r]\nhttp: [{{retries: {{attempts: 3, retryOn: 'bogus,503'}}, {route()}}}]",
     '"bogus" is not a valid retryOn policy'),
    ("vs-retry-attempts-zero", "VirtualService",
     f"hosts: [r]\nhttp: [{{retries: {{attempts: 0, perTryTimeout: 1s}}, {route()}}}]",
     "http retry policy configured when attempts are set to 0 (disabled)"),
    ("vs-redirect-empty", "VirtualService", "hosts: [r]\nhttp: [{redirect: {redirectCode: 302}}]",
     "redirect must specify URI, authority, scheme, or port"),
    ("vs-redirect-code", "VirtualService",
     "hosts: [r]\nhttp: [{redirect: {uri: /a, redirectCode: 200}}]",
     "200 is not a valid redirect code, must be 3xx"),
    ("vs-timeout-precision", "VirtualService",
     f"hosts: [r]\nhttp: [{{timeout: 0.0005s, {route()}}}]", "duration must be greater than 1ms"),
    ("vs-destination-star", "VirtualService",
     "hosts: [r]\nhttp: [{route: [{destination: {host: '*'}}]}]", "invalid destination host *"),
    ("vs-tcp-route-required", "VirtualService", "hosts: [r]\ntcp: [{match: [{port: 1}]}]",
     "TCP route is required"),
    ("vs-tls-needs-sni", "VirtualService",
     "hosts: [r]\ntls: [{match: [{port: 443}], route: [{destination: {host: r}}]}]",
     "TLS match must have at least one SNI host"),
    ("vs-exportto-dup", "VirtualService",
     f"hosts: [r]\nexportTo: [default, '.']\nhttp: [{{{route()}}}]",
     "duplicate entries in exportTo: . and current namespace default"),
    # DestinationRule (ValidateDestinationRule)
    ("dr-valid", "DestinationRule",
     "host: reviews\nsubsets: [{name: v1, labels: {version: v1}}]", ""),
    ("dr-dup-subset", "DestinationRule",
     "host: reviews\nsubsets: [{name: v1, labels: {a: b}}, {name: v1, labels: {a: c}}]",
     "duplicate subset names: v1"),
    ("dr-empty-policy", "DestinationRule", "host: reviews\ntrafficPolicy: {}",
     "traffic policy must have at least one field"),
    ("dr-empty-pool", "DestinationRule", "host: reviews\ntrafficPolicy: {connectionPool: {}}",
     "connection pool must have at least one field"),
    ("dr-bad-subset-name", "DestinationRule", "host: reviews\nsubsets: [{name: V1}]",
     "subset name is invalid: V1"),
    # Gateway (ValidateGateway)
    ("gw-valid", "Gateway",
     "selector: {istio: ingressgateway}\nservers: [{port: {number: 80, name: http, protocol: HTTP},"
     " hosts: ['*']}]", ""),
    ("gw-no-servers", "Gateway", "selector: {istio: ingressgateway}",
     "gateway must have at least one server"),
    ("gw-https-needs-tls", "Gateway",
     "servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ['*']}]",
     "server must have TLS settings for HTTPS/TLS protocols"),
    ("gw-bad-protocol", "Gateway",
     "servers: [{port: {number: 80, name: http, protocol: FOO}, hosts: ['*']}]",
     'invalid protocol "FOO", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, '
     "REDIS, MYSQL, TCP"),
    ("gw-dup-port-names", "Gateway",
     "servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']},"
     " {port: {number: 8080, name: http, protocol: HTTP}, hosts: ['*']}]",
     "port names in servers must be unique: duplicate name http"),
    ("gw-bad-namespace", "Gateway",
     "servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['Bad/foo.com']}]",
     'invalid namespace value "Bad" in gateway'),
    # ServiceEntry (ValidateServiceEntry; ISTIO-SEMANTICS ServiceEntry line)
    ("se-valid", "ServiceEntry",
     "hosts: [httpbin.org]\nports: [{number: 80, name: http, protocol: HTTP}]\n"
     "resolution: DNS", ""),
    ("se-star-host", "ServiceEntry",
     "hosts: ['*']\nports: [{number: 80, name: http, protocol: HTTP}]", "invalid host *"),
    ("se-cidr-dns", "ServiceEntry",
     "hosts: [a.com]\naddresses: [10.0.0.0/24]\nports: [{number: 80, name: http, protocol: HTTP}]"
     "\nresolution: DNS", "CIDR addresses are allowed only for NONE/STATIC resolution types"),
    ("se-none-endpoints", "ServiceEntry",
     "hosts: [a.com]\nports: [{number: 80, name: http, protocol: HTTP}]\n"
     "endpoints: [{address: 1.1.1.1}]",
     "no endpoints should be provided for resolution type none"),
    ("se-no-hosts", "ServiceEntry", "ports: [{number: 80, name: http, protocol: HTTP}]",
     "service entry must have at least one host"),
    # Sidecar (ValidateSidecar)
    ("sc-valid", "Sidecar", "egress: [{hosts: ['./*', 'istio-system/*']}]", ""),
    ("sc-empty", "Sidecar", "{}", "sidecar: empty configuration provided"),
    ("sc-host-form", "Sidecar", "egress: [{hosts: ['foo.com']}]",
     "host must be of form namespace/dnsName"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "spec", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_messages(kind: str, spec: str, expected: str) -> None:
    parsed: dict[str, Any] = yaml.safe_load(spec) or {}
    assert (
        str(validate_config(kind, "gw" if kind == "Gateway" else "x", "default", parsed))
        == expected
    )
