"""What a workload's inbound proxy enforces, in Envoy's filter order: the TLS handshake
(PeerAuthentication), then on HTTP the JWT filter (RequestAuthentication) and the RBAC
filters (AuthorizationPolicy: CUSTOM, DENY, ALLOW), then the router to the app.

Sources: istio.io docs/concepts/security ("Authorization architecture", "Authentication
architecture"); pilot/pkg/networking/core/listener_builder inbound filter chains.
"""

from __future__ import annotations

from datetime import datetime

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from . import authorization, mtls, requestauthn
from .peers import Peer, Rejection


def admit_connection(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether the connection from `peer` survives the handshake (False: reset)."""
    return mtls.accepts(view, workload, port, peer)


def admit_http(
    view: MeshView,
    workload: Workload,
    port: int,
    request: HttpRequest,
    peer: Peer,
    now: datetime,
    keys: requestauthn.KeyResolver | None = None,
) -> HttpRequest | Rejection:
    """The request to pass to the app, or the proxy's own reply (401, 403). `keys` fetches
    RequestAuthentication `jwksUri` key sets as istiod does (see requestauthn)."""
    admitted = admit_http_authenticated(view, workload, port, request, peer, now, keys)
    return admitted if isinstance(admitted, Rejection) else admitted[0]


def admit_http_authenticated(
    view: MeshView,
    workload: Workload,
    port: int,
    request: HttpRequest,
    peer: Peer,
    now: datetime,
    keys: requestauthn.KeyResolver | None = None,
) -> tuple[HttpRequest, requestauthn.Authenticated] | Rejection:
    """`admit_http` that also gives the JWT filter's verdict (request principal and claims):
    a gateway routes on the claims (VirtualService `@request.auth.claims.*` matches)."""
    request = mtls.with_client_cert(view, workload, request, peer)
    authn = requestauthn.authenticate(view, workload, request, now, keys)
    if isinstance(authn, Rejection):
        return authn
    passed = authorization.authorize_http(view, workload, port, authn.request, peer, authn)
    return passed if isinstance(passed, Rejection) else (passed, authn)


def filters_http(view: MeshView, workload: Workload) -> bool:
    """Whether the JWT or RBAC filters of `workload`'s inbound proxy have anything to check
    (a RequestAuthentication or an AuthorizationPolicy applies). Without either, admitting a
    request only adds the client certificate header (`admit_http` then equals
    `mtls.with_client_cert`)."""
    return bool(requestauthn.rules_for(view, workload)) or bool(
        authorization.enforced(view, workload)
    )


def admit_tcp(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether a TCP connection (or HTTP on a port the mesh treats as TCP) may proceed
    (False: the proxy closes it)."""
    return authorization.authorize_tcp(view, workload, port, peer)


def admit_ztunnel(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether the ztunnel of an ambient workload lets a connection through (L4 policy only;
    False: the connection is closed): PeerAuthentication STRICT, then AuthorizationPolicy."""
    if not mtls.ztunnel_accepts(view, workload, port, peer):
        return False
    return authorization.authorize_ztunnel(view, workload, port, peer)


__all__ = [
    "admit_connection",
    "admit_http",
    "admit_http_authenticated",
    "admit_tcp",
    "admit_ztunnel",
    "filters_http",
]
