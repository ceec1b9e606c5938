"""Compiled matchers of VirtualService http/tcp/tls rules, built once per view.

Source: networking/v1alpha3/virtual_service.proto (StringMatch, HTTPMatchRequest,
L4MatchAttributes, TLSMatchAttributes) and pilot/pkg/networking/core/route/route.go
(translateRouteMatch, translateHeaderMatch: regex is RE2 and must match the whole value; an empty
StringMatch is a presence match; ignoreUriCase applies to exact and prefix; header names are
lower-cased).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import hosts
from .workloads import selects


@functools.cache
def re2_options() -> Any:
    """RE2 options without error logging to stderr (shared by every compile)."""
    import re2

    options = re2.Options()
    options.log_errors = False
    return options


class RegexError(ValueError):
    """A pattern RE2 does not accept."""


@functools.lru_cache(maxsize=8192)
def compile_regex(pattern: str, ignore_case: bool = False) -> Any:
    """An RE2 program for `pattern` (raises RegexError with RE2's message); programs are
    shared across views, so a rebuilt view does not recompile unchanged patterns."""
    import re2  # here: loading RE2 costs ~50 ms, paid only by labs that use regex matches

    try:
        return re2.compile(("(?i)" if ignore_case else "") + pattern, re2_options())
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        raise RegexError(str(detail)) from exc


@dataclass(frozen=True)
class StringMatcher:
    """One StringMatch: `exact`, `prefix`, `regex`, or `present` (an empty match)."""

    kind: str
    value: str
    ignore_case: bool = False
    program: Any = None

    @classmethod
    def parse(cls, spec: Any, ignore_case: bool = False) -> StringMatcher:
        if not isinstance(spec, dict) or not spec:
            return cls("present", "")
        if "exact" in spec:
            return cls("exact", str(spec["exact"]), ignore_case)
        if "prefix" in spec:
            return cls("prefix", str(spec["prefix"]), ignore_case)
        if "regex" in spec:
            pattern = str(spec["regex"])
            if pattern == "*":
                return cls("present", "")
            try:
                program = compile_regex(pattern)
            except RegexError:
                program = None  # rejected by validation; never matches if it got in
            return cls("regex", pattern, False, program)
        return cls("present", "")

    def __call__(self, value: str | None) -> bool:
        if value is None:
            return False
        kind = self.kind
        if kind == "exact":
            return value.lower() == self.value.lower() if self.ignore_case else value == self.value
        if kind == "prefix":
            if self.ignore_case:
                return value.lower().startswith(self.value.lower())
            return value.startswith(self.value)
        if kind == "regex":
            return self.program is not None and self.program.fullmatch(value) is not None
        return True


def _matchers(spec: Any) -> tuple[tuple[str, StringMatcher], ...]:
    if not isinstance(spec, dict):
        return ()
    return tuple((str(k).lower(), StringMatcher.parse(v)) for k, v in spec.items())


def _query(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if "?" not in path:
        return out
    for part in path.split("?", 1)[1].split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        out.setdefault(key, value)
    return out


@dataclass(frozen=True)
class MatchContext:
    """What a match is evaluated against besides the request: the listener port, the client
    workload's labels and namespace, and the gateway (`mesh` for sidecars) doing the routing."""

    port: int
    source_labels: Mapping[str, str]
    source_namespace: str
    gateway: str


@dataclass(frozen=True)
class HttpMatch:
    """One entry of an http rule's `match` list: every field present must hold."""

    name: str = ""
    uri: StringMatcher | None = None
    scheme: StringMatcher | None = None
    method: StringMatcher | None = None
    authority: StringMatcher | None = None
    headers: tuple[tuple[str, StringMatcher], ...] = ()
    without_headers: tuple[tuple[str, StringMatcher], ...] = ()
    query_params: tuple[tuple[str, StringMatcher], ...] = ()
    port: int | None = None
    source_labels: Mapping[str, str] | None = None
    source_namespace: str = ""
    gateways: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: Mapping[str, Any], namespace: str) -> HttpMatch:
        icase = bool(spec.get("ignoreUriCase"))
        port = spec.get("port")
        return cls(
            name=str(spec.get("name") or ""),
            uri=StringMatcher.parse(spec["uri"], icase) if "uri" in spec else None,
            scheme=StringMatcher.parse(spec["scheme"]) if "scheme" in spec else None,
            method=StringMatcher.parse(spec["method"]) if "method" in spec else None,
            authority=StringMatcher.parse(spec["authority"]) if "authority" in spec else None,
            headers=_matchers(spec.get("headers")),
            without_headers=_matchers(spec.get("withoutHeaders")),
            query_params=_matchers(spec.get("queryParams")),
            port=int(port) if isinstance(port, int) and port else None,
            source_labels=spec.get("sourceLabels") or None,
            source_namespace=str(spec.get("sourceNamespace") or ""),
            gateways=tuple(hosts.resolve_gateway(g, namespace) for g in spec.get("gateways") or []),
        )

    def binds(self, ctx: MatchContext) -> bool:
        """The non-request conditions: port, gateways, and (only without match.gateways)
        sourceLabels / sourceNamespace (route.go sourceMatchHTTP)."""
        if self.port is not None and self.port != ctx.port:
            return False
        if self.gateways:
            return ctx.gateway in self.gateways
        if self.source_labels is not None and not selects(self.source_labels, ctx.source_labels):
            return False
        return not (self.source_namespace and self.source_namespace != ctx.source_namespace)

    def matches(
        self, request: Any, ctx: MatchContext, claims: Mapping[str, Any] | None = None
    ) -> bool:
        """Whether the HttpRequest `request` satisfies this entry. `claims` are the verified
        JWT claims of the request (RequestAuthentication), read by `@request.auth.claims`
        header matches; without them such matches fail."""
        if not self.binds(ctx):
            return False
        if self.uri is not None and not self.uri(request.uri_path):
            return False
        if self.method is not None and not self.method(request.method):
            return False
        if self.scheme is not None and not self.scheme(request.scheme):
            return False
        if self.authority is not None and not self.authority(request.authority):
            return False
        for name, matcher in self.headers:
            if name.startswith(CLAIM_PREFIX):
                if not claim_matches(name, matcher, claims):
                    return False
            elif not matcher(request.header(name)):
                return False
        for name, matcher in self.without_headers:
            if name.startswith(CLAIM_PREFIX):
                if claims is not None and claim_matches(name, matcher, claims):
                    return False
                continue
            value = request.header(name)
            if matcher.kind != "present" and value is None:
                value = ""  # treat_missing_header_as_empty
            if matcher(value):
                return False
        if self.query_params:
            params = _query(request.path)
            for name, matcher in self.query_params:
                if not matcher(params.get(name)):
                    return False
        return True


CLAIM_PREFIX = "@request.auth.claims"


def claim_path(name: str) -> tuple[str, ...]:
    """`@request.auth.claims.a.b` or `@request.auth.claims[a][b]` -> ("a", "b")
    (pkg/jwt ToRoutingClaim)."""
    rest = name[len(CLAIM_PREFIX) :]
    if rest.startswith("["):
        return tuple(p for p in rest.strip("[]").split("][") if p)
    return tuple(p for p in rest.lstrip(".").split(".") if p)


def claim_matches(name: str, matcher: StringMatcher, claims: Mapping[str, Any] | None) -> bool:
    """A claim matches when its value (a string, or any string of a list) matches
    (security/authz/model MetadataMatcherForJWTClaims)."""
    value: Any = claims
    for part in claim_path(name):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    if isinstance(value, str):
        return matcher(value)
    if isinstance(value, list):
        return any(isinstance(v, str) and matcher(v) for v in value)
    return False


def _in_subnets(address: str, subnets: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for subnet in subnets:
        try:
            if ip in ipaddress.ip_network(subnet, strict=False):
                return True
        except ValueError:
            continue
    return False


@dataclass(frozen=True)
class L4Match:
    """A tcp match (L4MatchAttributes) or, with `sni_hosts`, a tls match."""

    destination_subnets: tuple[str, ...] = ()
    port: int | None = None
    source_labels: Mapping[str, str] | None = None
    source_namespace: str = ""
    gateways: tuple[str, ...] = ()
    sni_hosts: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: Mapping[str, Any], namespace: str) -> L4Match:
        port = spec.get("port")
        return cls(
            destination_subnets=tuple(str(s) for s in spec.get("destinationSubnets") or []),
            port=int(port) if isinstance(port, int) and port else None,
            source_labels=spec.get("sourceLabels") or None,
            source_namespace=str(spec.get("sourceNamespace") or ""),
            gateways=tuple(hosts.resolve_gateway(g, namespace) for g in spec.get("gateways") or []),
            sni_hosts=tuple(str(h).lower() for h in spec.get("sniHosts") or []),
        )

    def matches(self, address: str, sni: str | None, ctx: MatchContext) -> bool:
        if self.port is not None and self.port != ctx.port:
            return False
        if self.gateways:
            if ctx.gateway not in self.gateways:
                return False
        else:
            if self.source_labels is not None and not selects(
                self.source_labels, ctx.source_labels
            ):
                return False
            if self.source_namespace and self.source_namespace != ctx.source_namespace:
                return False
        if self.destination_subnets and not _in_subnets(address, self.destination_subnets):
            return False
        if self.sni_hosts:
            if not sni:
                return False
            return any(hosts.matches(h, sni.lower()) for h in self.sni_hosts)
        return True


__all__ = [
    "HttpMatch",
    "L4Match",
    "MatchContext",
    "RegexError",
    "StringMatcher",
    "compile_regex",
]
