"""istiod fetching JWT key sets for RequestAuthentication `jwksUri`s.

With Istio's default PILOT_JWT_ENABLE_REMOTE_JWKS=false, istiod itself GETs the `jwksUri` (or,
without one, the issuer's `/.well-known/openid-configuration` and the `jwks_uri` it names)
and pushes the keys inline to the proxies (pilot/pkg/model/jwks_resolver.go GetPublicKey,
resolveJwksURIUsingOpenID). istiod has no sidecar: the request leaves istiod's pod directly,
resolving names with the cluster DNS, so a key server inside the lab answers like any
workload (its STRICT mTLS resets istiod's plaintext connection; an https URI to a plain HTTP
app fails the handshake) and public hosts come from the simulated internet. A status outside
2xx, an unresolvable name or a failed connection is a failed fetch (None).

istiod caches what it fetched (pilot/pkg/model/jwks_resolver.go): a key set is kept and only
refreshed every 20 minutes (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL), so a key server that changes
its keys is seen up to 20 minutes of lab time later; a failed fetch is retried, here at the
next configuration change. The cache lives in `cluster.extensions["mesh.jwks_cache"]`.
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
CACHE_KEY = "mesh.jwks_cache"
REFRESH_INTERVAL = 20 * 60.0  # seconds (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL)
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
    """The key resolver the proxies of `hop`'s view get: istiod's cached fetch (a failure is
    remembered for the view, so it is retried after the next configuration change)."""

    def resolve(issuer: str, jwks_uri: str) -> str | None:
        cache = hop.cluster.extensions.setdefault(CACHE_KEY, {})
        now = hop.now.timestamp()
        entry = cache.get((issuer, jwks_uri))
        if entry is not None and now - entry[0] < REFRESH_INTERVAL:
            return str(entry[1])
        failed = ("istiod-jwks-failed", issuer, jwks_uri)
        if hop.view.memo(failed) is None:
            fetched = _fetch(hop, issuer, jwks_uri)
            if fetched is not None:
                cache[(issuer, jwks_uri)] = (now, fetched)
                return fetched
            hop.view.remember(failed, True)
        return str(entry[1]) if entry is not None else None  # a failed refresh keeps keys

    return resolve


__all__ = ["istiod_keys"]
