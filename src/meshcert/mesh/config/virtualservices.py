"""VirtualServices parsed once per view: resolved hosts and gateways, compiled http / tcp / tls
rules with their actions.

Sources: networking/v1alpha3/virtual_service.proto; pilot/pkg/model/virtualservice.go (short
names resolved against the VirtualService's namespace, delegates), route.go (actions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import hosts
from . import exports
from .matching import HttpMatch, L4Match
from .objects import ConfigKey, meta_of
from .routes import (
    EMPTY_HEADERS,
    Destination,
    Fault,
    HeaderOperations,
    Mirror,
    RedirectSpec,
    RetryPolicy,
    Rewrite,
    WeightedDestination,
    direct_body,
    parse_mirrors,
    parse_retry,
)
from .values import duration_or

MESH_GATEWAY = "mesh"


def weighted(items: Any, namespace: str) -> tuple[WeightedDestination, ...]:
    """Route destinations with weights: a lone destination gets everything; with several,
    weight-0 entries are dropped (ISTIO-SEMANTICS weights line; route.go)."""
    out: list[WeightedDestination] = []
    for item in items or []:
        if not isinstance(item, dict) or not isinstance(item.get("destination"), dict):
            continue
        weight = item.get("weight")
        headers = item.get("headers") or {}
        out.append(
            WeightedDestination(
                Destination.parse(item["destination"], namespace),
                int(weight) if isinstance(weight, int) else 0,
                HeaderOperations.parse(headers.get("request")),
                HeaderOperations.parse(headers.get("response")),
            )
        )
    if len(out) == 1:
        return (WeightedDestination(out[0].destination, 100, *_hdrs(out[0])),)
    if out and all(d.weight == 0 for d in out):
        # Invalid (validation rejects it); Istio would send all to the first.
        return (WeightedDestination(out[0].destination, 100, *_hdrs(out[0])),)
    return tuple(d for d in out if d.weight > 0)


def _hdrs(d: WeightedDestination) -> tuple[HeaderOperations, HeaderOperations]:
    return (d.request_headers, d.response_headers)


@dataclass(frozen=True)
class HttpRoute:
    """One http rule. Exactly one of `destinations`, `redirect`, `direct_response` or
    `delegate` is the action (validation guarantees it)."""

    name: str
    index: int
    matches: tuple[HttpMatch, ...]
    destinations: tuple[WeightedDestination, ...] = ()
    redirect: RedirectSpec | None = None
    direct_status: int | None = None
    direct_body: bytes = b""
    delegate: tuple[str, str] | None = None  # (namespace, name)
    rewrite: Rewrite | None = None
    timeout: float | None = None
    retries: RetryPolicy | None = None
    fault: Fault | None = None
    mirrors: tuple[Mirror, ...] = ()
    request_headers: HeaderOperations = EMPTY_HEADERS
    response_headers: HeaderOperations = EMPTY_HEADERS
    has_timeout: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def catch_all(self) -> bool:
        """No match, or a match with no request condition but `prefix: /` or a match-all regex
        (pilot/pkg/networking/core/route/route.go isCatchAllRoute / isCatchAllMatch)."""
        return not self.matches or any(_catch_all(m) for m in self.matches)

    @classmethod
    def parse(
        cls, rule: Mapping[str, Any], index: int, namespace: str, default_retry: RetryPolicy
    ) -> HttpRoute:
        headers = rule.get("headers") or {}
        direct = rule.get("directResponse")
        redirect = rule.get("redirect")
        delegate = rule.get("delegate")
        return cls(
            name=str(rule.get("name") or ""),
            index=index,
            matches=tuple(
                HttpMatch.parse(m, namespace)
                for m in rule.get("match") or []
                if isinstance(m, dict)
            ),
            destinations=weighted(rule.get("route"), namespace),
            redirect=RedirectSpec.parse(redirect) if isinstance(redirect, dict) else None,
            direct_status=int(direct.get("status", 200)) if isinstance(direct, dict) else None,
            direct_body=direct_body(direct) if isinstance(direct, dict) else b"",
            delegate=(
                str(delegate.get("namespace") or namespace),
                str(delegate.get("name", "")),
            )
            if isinstance(delegate, dict)
            else None,
            rewrite=Rewrite.parse(rule.get("rewrite")),
            timeout=_timeout(rule.get("timeout")),
            has_timeout="timeout" in rule,
            retries=parse_retry(rule["retries"], default_retry) if "retries" in rule else None,
            fault=Fault.parse(rule.get("fault")),
            mirrors=parse_mirrors(rule, namespace),
            request_headers=HeaderOperations.parse(headers.get("request")),
            response_headers=HeaderOperations.parse(headers.get("response")),
            raw=rule,
        )


def _catch_all(m: HttpMatch) -> bool:
    if m.uri is not None and not (
        (m.uri.kind == "prefix" and m.uri.value == "/")
        or (m.uri.kind == "regex" and m.uri.value in ("*", ".*"))
    ):
        return False
    return not (
        m.headers or m.query_params or m.without_headers or m.method or m.scheme or m.authority
    )


def _timeout(value: Any) -> float | None:
    seconds = duration_or(value, None)
    return seconds if seconds else None


@dataclass(frozen=True)
class L4Route:
    """One tcp or tls rule: its matches (empty = all) and weighted destinations."""

    index: int
    matches: tuple[L4Match, ...]
    destinations: tuple[WeightedDestination, ...]


@dataclass(frozen=True)
class VirtualService:
    key: ConfigKey
    created: str
    hosts: tuple[str, ...]
    gateways: tuple[str, ...]
    export_to: frozenset[str]
    http: tuple[HttpRoute, ...]
    tcp: tuple[L4Route, ...]
    tls: tuple[L4Route, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def namespace(self) -> str:
        return self.key.namespace

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def is_delegate(self) -> bool:
        return not self.hosts

    def binds_to(self, gateway: str) -> bool:
        """Attached to `mesh` (sidecars) or to the gateway `ns/name`: no gateways = mesh only."""
        return gateway in self.gateways

    @classmethod
    def parse(
        cls,
        obj: Mapping[str, Any],
        default_retry: RetryPolicy,
        default_export: frozenset[str] = exports.PUBLIC,
    ) -> VirtualService:
        key, created = meta_of("VirtualService", obj)
        spec = obj.get("spec") or {}
        ns = key.namespace
        gws = tuple(hosts.resolve_gateway(str(g), ns) for g in spec.get("gateways") or [])
        return cls(
            key=key,
            created=created,
            hosts=tuple(hosts.resolve(str(h), ns) for h in spec.get("hosts") or []),
            gateways=gws or (MESH_GATEWAY,),
            export_to=exports.parse(spec.get("exportTo"), default_export),
            http=tuple(
                HttpRoute.parse(r, i, ns, default_retry)
                for i, r in enumerate(spec.get("http") or [])
                if isinstance(r, dict)
            ),
            tcp=_l4(spec.get("tcp"), ns),
            tls=_l4(spec.get("tls"), ns),
            raw=obj,
        )


def _l4(rules: Any, namespace: str) -> tuple[L4Route, ...]:
    out = []
    for i, rule in enumerate(rules or []):
        if not isinstance(rule, dict):
            continue
        out.append(
            L4Route(
                i,
                tuple(
                    L4Match.parse(m, namespace)
                    for m in rule.get("match") or []
                    if isinstance(m, dict)
                ),
                weighted(rule.get("route"), namespace),
            )
        )
    return tuple(out)


__all__ = ["MESH_GATEWAY", "HttpRoute", "L4Route", "VirtualService", "weighted"]
