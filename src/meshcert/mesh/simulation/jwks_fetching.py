"""istiod fetching JWT key sets for RequestAuthentication `jwksUri`s.

With Istio's default PILOT_JWT_ENABLE_REMOTE_JWKS=false, istiod itself GETs the `jwksUri` (or,
without one, the issuer's `/.well-known/openid-configuration` and the `jwks_uri` it names)
and pushes the keys inline to the proxies (pilot/pkg/model/jwks_resolver.go GetPublicKey,
resolveJwksURIUsingOpenID). istiod has no sidecar: the request leaves istiod's pod directly,
resolving names with the cluster DNS, so a key server inside the lab answers like any
workload (its STRICT mTLS resets istiod's plaintext connection; an https URI to a plain HTTP
app fails the handshake) and public hosts come from the simulated internet. A status outside
2xx, an unresolvable name or a failed connection is a failed fetch (None).

Results are remembered per configuration view, as istiod caches keys between pushes.
"""

from __future__ import annotations

import json

from meshcert.mesh.config.meshconfig import ISTIO_NAMESPACE
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.security.requestauthn import KeyResolver

from . import dns
from .hops import Hop

OPENID_SUFFIX = "/.well-known/openid-configuration"
USER_AGENT = "Go-http-client/1.1"


def _istiod(hop: Hop) -> Workload | None:
    for workload in hop.view.workloads_in(ISTIO_NAMESPACE):
        if workload.labels.get("app") == "istiod" and workload.ip:
            return workload
    return None


def _get(hop: Hop, url: str) -> bytes | None:
    from .engine import direct

    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return None
    authority, _, path = rest.partition("/")
    host, _, port_text = authority.partition(":")
    port = int(port_text) if port_text.isdigit() else (443 if scheme == "https" else 80)
    address = dns.resolve(hop.view, host, ISTIO_NAMESPACE)
    if address is None:
        return None
    request = HttpRequest("GET", authority, "/" + path, scheme,
                          (("user-agent", USER_AGENT), ("accept-encoding", "gzip")))  # fmt: skip
    istiod = _istiod(hop)
    delivery = direct(hop.deeper(), istiod, istiod.ip if istiod else "", request, address, port)
    response = delivery.response
    if response is None or not 200 <= response.status < 300:
        return None
    return response.body


def _fetch(hop: Hop, issuer: str, jwks_uri: str) -> str | None:
    uri = jwks_uri
    if not uri:
        discovery = _get(hop, issuer.rstrip("/") + OPENID_SUFFIX) if issuer else None
        try:
            found = json.loads(discovery) if discovery is not None else None
        except ValueError:
            return None
        named = found.get("jwks_uri") if isinstance(found, dict) else None
        if not isinstance(named, str):
            return None
        uri = named
    body = _get(hop, uri)
    return body.decode("utf-8", "replace") if body is not None else None


def istiod_keys(hop: Hop) -> KeyResolver:
    """The key resolver the proxies of `hop`'s view get: istiod's fetch, remembered."""

    def resolve(issuer: str, jwks_uri: str) -> str | None:
        key = ("istiod-jwks", issuer, jwks_uri)
        found = hop.view.memo(key)
        if found is None:
            found = hop.view.remember(key, _fetch(hop, issuer, jwks_uri) or False)
        return found if isinstance(found, str) else None

    return resolve


__all__ = ["istiod_keys"]
