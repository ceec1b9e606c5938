"""Request routing: what a proxy's Envoy does with one HTTP request or TCP/TLS connection.

Pure functions over a `MeshView` (no I/O). The data path (`meshcert.mesh.simulation`) calls:

- `route_http(view, proxy, request, port, claims=None) -> RouteOutcome` (`claims`: the verified
  JWT claims for `@request.auth.claims` matches): `Routed` (weighted destinations,
  timeout, retries, fault, mirrors, rewrite, header operations, route name and VirtualService),
  `Redirect`, `DirectResponse`, `NoRoute` (404 NR), `PassThrough` (unknown host, ALLOW_ANY),
  `BlackHole` (unknown host, REGISTRY_ONLY: 502 for HTTP), `NoListener` (a gateway with no
  server on the port: connection refused);
- `route_tcp(view, proxy, address, port, sni=None) -> TcpOutcome`: `TcpRouted`,
  `PassThrough` or `BlackHole`;
- `proxy_for(workload) -> Proxy | None`: the sidecar or gateway proxy of a workload;
- then `meshcert.mesh.destinations.upstream_cluster(view, proxy, destination)` for the
  endpoints and traffic policy of the chosen destination.

With a `Routed`: `pick(rng)` draws a destination by weight, `upstream_request(request, chosen)`
applies rewrite and request header operations, `response_operations(chosen)` gives the
response header operations; `fault`, `mirrors`, `timeout` and `retries` say the rest.
"""

from ..config.routes import (
    Destination,
    Fault,
    HeaderOperations,
    Mirror,
    RetryPolicy,
    Rewrite,
    WeightedDestination,
)
from .http import route_http
from .outcomes import (
    BlackHole,
    DirectResponse,
    NoListener,
    NoRoute,
    PassThrough,
    Redirect,
    Routed,
    RouteOutcome,
    TcpOutcome,
    TcpRouted,
)
from .proxies import Proxy, proxy_for
from .tcp import route_tcp

__all__ = [
    "BlackHole",
    "Destination",
    "DirectResponse",
    "Fault",
    "HeaderOperations",
    "Mirror",
    "NoListener",
    "NoRoute",
    "PassThrough",
    "Proxy",
    "Redirect",
    "RetryPolicy",
    "Rewrite",
    "RouteOutcome",
    "Routed",
    "TcpOutcome",
    "TcpRouted",
    "WeightedDestination",
    "proxy_for",
    "route_http",
    "route_tcp",
]
