"""What a proxy decides for one request: the outcomes of HTTP and TCP routing.

Sources: pilot/pkg/networking/core/route/route.go (route names `default` and
`<rule>.<match>`, timeout 0 = disabled, redirect codes and ports, direct responses),
pilot/pkg/networking/core/httproute.go (the catch-all virtual host: PassthroughCluster under
ALLOW_ANY, the `block_all` 502 route under REGISTRY_ONLY), Envoy's response flags (NR).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, replace

from ..config.objects import ConfigKey
from ..config.routes import (
    DEFAULT_RETRIES,
    EMPTY_HEADERS,
    Destination,
    Fault,
    HeaderOperations,
    Mirror,
    RetryPolicy,
    Rewrite,
    WeightedDestination,
)
from ..exchanges import HttpRequest


@dataclass(frozen=True)
class Routed:
    """The request goes upstream. `destinations` are weighted (weights need not sum to 100:
    share = weight / total); ports are resolved (the destination's port, the service's only
    port, or the listener port). `timeout` None = no timeout. `retries` is Envoy's effective
    retry policy. `fault` is applied before routing (its delay and abort are not retried and
    not subject to `timeout`). `mirrors` are fire-and-forget copies. `opaque` = the port is not
    HTTP on this proxy (TCP proxying: no HTTP features, no Envoy headers).

    `route_name` is Envoy's route name for access logs (`default` without a VirtualService);
    `virtual_service` the VirtualService that produced the route; `host` the virtual host's
    service hostname.
    """

    destinations: tuple[WeightedDestination, ...]
    timeout: float | None = None
    retries: RetryPolicy = DEFAULT_RETRIES
    fault: Fault | None = None
    mirrors: tuple[Mirror, ...] = ()
    rewrite: Rewrite | None = None
    request_headers: HeaderOperations = EMPTY_HEADERS
    response_headers: HeaderOperations = EMPTY_HEADERS
    route_name: str = "default"
    virtual_service: ConfigKey | None = None
    host: str = ""
    matched_prefix: str | None = None
    opaque: bool = False

    @functools.cached_property
    def passes_headers(self) -> bool:
        """No rewrite and no header operations on the route or any destination: requests and
        responses pass unchanged (`upstream_request` is the request itself, no response
        operations). A Routed is kept per view, so this is worked out once."""
        return (
            self.rewrite is None
            and not self.request_headers
            and not self.response_headers
            and not any(d.request_headers or d.response_headers for d in self.destinations)
        )

    def pick(self, rng: random.Random) -> WeightedDestination:
        """One destination drawn by weight from `rng` (the lab's seeded generator)."""
        if len(self.destinations) == 1:
            return self.destinations[0]
        total = sum(d.weight for d in self.destinations)
        point = rng.random() * total
        for d in self.destinations:
            point -= d.weight
            if point < 0:
                return d
        return self.destinations[-1]

    def upstream_request(
        self, request: HttpRequest, chosen: WeightedDestination | None = None
    ) -> HttpRequest:
        """`request` as it leaves the proxy: rewrite (uri: the matched prefix replaced, or the
        whole path for exact/regex matches; uriRegexRewrite; authority) then the route's and
        the chosen destination's request header operations."""
        out = request
        rw = self.rewrite
        if rw is not None:
            path, sep, query = request.path.partition("?")
            if rw.regex is not None:
                from ..config.matching import RegexError, compile_regex

                try:
                    program = compile_regex(rw.regex[0])
                    # Envoy's substitution syntax (\1) is RE2's, which re2.sub takes as is.
                    path = program.sub(rw.regex[1], path)
                except RegexError:
                    pass
            elif rw.uri is not None:
                prefix = self.matched_prefix if self.matched_prefix is not None else path
                if path.startswith(prefix):
                    path = rw.uri + path[len(prefix) :]
                else:
                    path = rw.uri
            out = replace(out, path=path + sep + query)
            if rw.authority:
                out = replace(out, authority=rw.authority)
        ops = self.request_headers
        if chosen is not None:
            ops = ops.then(chosen.request_headers)
        if ops:
            authority = next((v for n, v in ops.set if n in (":authority", "host")), None) or next(
                (v for n, v in ops.add if n in (":authority", "host")), None
            )
            headers = ops.apply(out.headers)
            out = replace(out, headers=tuple((n, v) for n, v in headers if not n.startswith(":")))
            if authority and (rw is None or not rw.authority):
                out = replace(out, authority=authority)
        return out

    def response_operations(self, chosen: WeightedDestination | None = None) -> HeaderOperations:
        """The response header operations of the route and the chosen destination."""
        if chosen is None:
            return self.response_headers
        return self.response_headers.then(chosen.response_headers)


@dataclass(frozen=True)
class Redirect:
    """Envoy answers with a redirect: `status` (301 default; 302, 303, 307, 308) and the
    `Location` header value."""

    status: int
    location: str
    route_name: str = ""
    virtual_service: ConfigKey | None = None
    response_headers: HeaderOperations = EMPTY_HEADERS


@dataclass(frozen=True)
class DirectResponse:
    """Envoy answers itself with `status` and `body` (directResponse)."""

    status: int
    body: bytes = b""
    route_name: str = ""
    virtual_service: ConfigKey | None = None
    response_headers: HeaderOperations = EMPTY_HEADERS


@dataclass(frozen=True)
class NoRoute:
    """A virtual host matched but none of its routes: Envoy answers 404, response flag NR."""

    status: int = 404
    flag: str = "NR"
    virtual_service: ConfigKey | None = None


@dataclass(frozen=True)
class PassThrough:
    """No virtual host for the host under ALLOW_ANY: the PassthroughCluster forwards to the
    original destination (the address the client connected to), no timeout, no retries.
    `opaque`: no HTTP listener on the port, so the virtualOutbound listener's TCP proxy passes
    the bytes untouched (no Envoy headers, a TCP access-log line)."""

    host: str
    port: int
    cluster: str = "PassthroughCluster"
    opaque: bool = False


@dataclass(frozen=True)
class BlackHole:
    """No virtual host under REGISTRY_ONLY: HTTP gets 502 from the `block_all` route; TCP and
    TLS connections are closed (BlackHoleCluster; curl exit 35 on HTTPS, 56 on plain TCP)."""

    status: int = 502
    route_name: str = "block_all"
    cluster: str = "BlackHoleCluster"
    opaque: bool = False  # no HTTP listener on the port: the TCP connection is closed


@dataclass(frozen=True)
class NoListener:
    """Nothing listens on the port (a gateway without a server for it): the connection is
    refused (curl exit 7)."""

    port: int


RouteOutcome = Routed | Redirect | DirectResponse | NoRoute | PassThrough | BlackHole | NoListener


@dataclass(frozen=True)
class TcpRouted:
    """A TCP / TLS connection goes to weighted `destinations` (ports resolved)."""

    destinations: tuple[WeightedDestination, ...]
    virtual_service: ConfigKey | None = None
    host: str = ""

    def pick(self, rng: random.Random) -> WeightedDestination:
        return Routed(self.destinations).pick(rng)


TcpOutcome = TcpRouted | PassThrough | BlackHole | NoListener


def plain(destination: Destination, weight: int = 100) -> WeightedDestination:
    return WeightedDestination(destination, weight)


__all__ = [
    "BlackHole",
    "DirectResponse",
    "NoListener",
    "NoRoute",
    "PassThrough",
    "Redirect",
    "RouteOutcome",
    "Routed",
    "TcpOutcome",
    "TcpRouted",
    "plain",
]
