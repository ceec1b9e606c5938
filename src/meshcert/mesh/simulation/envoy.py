"""What Envoy says when it answers itself (local replies) and what it adds to what it relays.

Texts and flags from envoyproxy/envoy: `no healthy upstream` (UH), `upstream request timeout`
(UT), `fault filter abort` (FI), `upstream connect error or disconnect/reset before headers.
reset reason: connection failure` (UF, URX after retries), `... reset reason: overflow` (UO),
route not found = 404 with no body (NR), Istio's block-all route for REGISTRY_ONLY = 502 (no
body). Response code details as the access log prints them (%RESPONSE_CODE_DETAILS%).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from meshcert.mesh.apps.serving import http_date
from meshcert.mesh.exchanges import HttpResponse
from meshcert.mesh.security.peers import Rejection

from .messages import response_with

NO_HEALTHY_UPSTREAM = "no healthy upstream"
UPSTREAM_TIMEOUT = "upstream request timeout"
FAULT_ABORT = "fault filter abort"
CONNECT_FAILURE = (
    "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
)
OVERFLOW = "upstream connect error or disconnect/reset before headers. reset reason: overflow"
# the upstream closed the connection before answering (a STRICT sidecar and a plaintext client)
TERMINATION = (
    "upstream connect error or disconnect/reset before headers. "
    "reset reason: connection termination"
)
# Hop-by-hop headers Envoy never passes on; with them, what a relaying Envoy rewrites.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                        "upgrade"})  # fmt: skip
_DROPPED = HOP_BY_HOP | {"server", "x-envoy-upstream-service-time"}


@dataclass(frozen=True)
class LocalReply:
    status: int
    body: str
    flag: str
    details: str


REPLIES = {
    "UH": LocalReply(503, NO_HEALTHY_UPSTREAM, "UH", "no_healthy_upstream"),
    "UT": LocalReply(504, UPSTREAM_TIMEOUT, "UT", "upstream_response_timeout"),
    "FI": LocalReply(0, FAULT_ABORT, "FI", "fault_filter_abort"),
    "UF": LocalReply(503, CONNECT_FAILURE, "UF",
                     "upstream_reset_before_response_started{connection_failure}"),
    "UO": LocalReply(503, OVERFLOW, "UO", "upstream_reset_before_response_started{overflow}"),
    "UC": LocalReply(503, TERMINATION, "UC",
                     "upstream_reset_before_response_started{connection_termination}"),
    "NR": LocalReply(404, "", "NR", "route_not_found"),
    "NC": LocalReply(503, "", "NC", "cluster_not_found"),
    "BLACKHOLE": LocalReply(502, "", "-", "direct_response"),
}  # fmt: skip


def local_reply(
    kind: str, now: datetime, *, status: int | None = None, duration: float = 0.0
) -> HttpResponse:
    """Envoy's own response of `kind` (a key of REPLIES); `status` overrides (fault aborts)."""
    reply = REPLIES[kind]
    body = reply.body.encode()
    headers: list[tuple[str, str]] = []
    if body:
        headers += [("content-length", str(len(body))), ("content-type", "text/plain")]
    headers += [("date", http_date(now)), ("server", "envoy")]
    return HttpResponse(
        status or reply.status,
        tuple(headers),
        body,
        flags=(reply.flag,) if reply.flag != "-" else (),
        duration=duration,
    )


GRPC_CODES = {
    "OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5, "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9, "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12,
    "INTERNAL": 13, "UNAVAILABLE": 14, "DATA_LOSS": 15, "UNAUTHENTICATED": 16,
}  # fmt: skip


def grpc_abort(status: str, now: datetime, duration: float) -> HttpResponse:
    """fault.abort.grpcStatus: a trailers-only gRPC answer (HTTP 200, `grpc-status`) with
    Envoy's `fault filter abort` message."""
    code = GRPC_CODES.get(status.upper(), int(status) if status.isdigit() else 2)
    headers = (
        ("content-type", "application/grpc"),
        ("grpc-status", str(code)),
        ("grpc-message", FAULT_ABORT),
        ("date", http_date(now)),
        ("server", "envoy"),
    )
    return HttpResponse(200, headers, b"", flags=("FI",), duration=duration)


def rejection(rejected: Rejection, now: datetime) -> HttpResponse:
    """The proxy's local reply for a security rejection (401 of the JWT filter, 403 of the
    RBAC filter), as Envoy writes it: content-length, content-type text/plain, date, server."""
    body = rejected.body.encode()
    headers: list[tuple[str, str]] = list(rejected.headers)
    if body:
        headers += [("content-length", str(len(body))), ("content-type", "text/plain")]
    headers += [("date", http_date(now)), ("server", "envoy")]
    return HttpResponse(rejected.status, tuple(headers), body, flags=rejected.flags)


def direct_response(status: int, body: str, now: datetime) -> HttpResponse:
    data = body.encode()
    headers: list[tuple[str, str]] = []
    if data:
        headers += [("content-length", str(len(data))), ("content-type", "text/plain")]
    headers += [("date", http_date(now)), ("server", "envoy")]
    return HttpResponse(status, tuple(headers), data)


def redirect_response(status: int, location: str, now: datetime) -> HttpResponse:
    return HttpResponse(
        status, (("location", location), ("date", http_date(now)), ("server", "envoy"))
    )


def relay(response: HttpResponse, service_time: float | None,
          duration: float | None = None) -> HttpResponse:  # fmt: skip
    """A response passed through an Envoy: hop-by-hop headers dropped, `server: envoy`
    (server_header_transformation OVERWRITE) and, when it came from an upstream,
    `x-envoy-upstream-service-time` in milliseconds. Response flags belong to the proxy that
    set them: a relayed response has none of its own (via_upstream). `duration`: the
    relayed response's, when it changes."""
    headers = response.headers
    if headers and headers[0] == ("server", "envoy") and service_time is not None:
        # already relayed by an Envoy (the inbound sidecar): only the service time changes
        kept = [h for h in headers if h[0] != "x-envoy-upstream-service-time"]
        kept.append(("x-envoy-upstream-service-time", str(int(service_time * 1000))))
        return response_with(response, headers=tuple(kept), flags=(), duration=duration)
    # Through a sidecar curl shows `server: envoy` first, then the upstream's headers.
    result = [("server", "envoy")]
    result += [h for h in headers if h[0] not in _DROPPED]
    if service_time is not None:
        result.append(("x-envoy-upstream-service-time", str(int(service_time * 1000))))
    return response_with(response, headers=tuple(result), flags=(), duration=duration)


def request_id(ids: random.Random) -> str:
    """A UUID-shaped x-request-id (version 4, variant a) from the lab's generator of ids:
    128 random bits, the version and variant digits written over the 13th and 17th hex
    digits. The same lab replays the same ids."""
    digits = f"{ids.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"


__all__ = [
    "CONNECT_FAILURE",
    "FAULT_ABORT",
    "NO_HEALTHY_UPSTREAM",
    "OVERFLOW",
    "REPLIES",
    "UPSTREAM_TIMEOUT",
    "LocalReply",
    "direct_response",
    "local_reply",
    "redirect_response",
    "rejection",
    "relay",
    "request_id",
]
