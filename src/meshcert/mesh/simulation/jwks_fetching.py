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
next configuration change. The cache lives in `cluster.extensions["mesh.jwks_cache"]`. A
failure shows in `kubectl logs deploy/istiod -n istio-system` as istiod logs it ("Failed to
fetch public key from ...", "... using a fake JWKS for now"), with Go's client error text.
"""

from __future__ import annotations

import json

from meshcert.mesh.config.meshconfig import ISTIO_NAMESPACE
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.security.requestauthn import KeyResolver

from . import dns
from .deliveries import Failure
from .hops import Hop

OPENID_SUFFIX = "/.well-known/openid-configuration"
CACHE_KEY = "mesh.jwks_cache"
REFRESH_INTERVAL = 20 * 60.0  # seconds (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL)
ISTIOD_CONTAINER = "discovery"
USER_AGENT = "Go-http-client/1.1"


def _istiod(hop: Hop) -> Workload | None:
    for workload in hop.view.workloads_in(ISTIO_NAMESPACE):
        if workload.labels.get("app") == "istiod" and workload.ip:
            return workload
    return None


class FetchError(Exception):
    """A failed GET, worded as Go's net/http client reports it (istiod's log)."""


def _dns_server(hop: Hop) -> str:
    for service in hop.view.services:
        if service.namespace == "kube-system" and service.name == "kube-dns" and service.addresses:
            return f" on {service.addresses[0]}:53"
    return ""


def _failure_text(hop: Hop, url: str, address: str, port: int, failure: Failure | None,
                  source: str) -> str:  # fmt: skip
    prefix = f'Get "{url}": '
    if failure is Failure.REFUSED:
        return f"{prefix}dial tcp {address}:{port}: connect: connection refused"
    if failure in (Failure.CONNECT_TIMEOUT, Failure.TIMEOUT):
        return (f"{prefix}dial tcp {address}:{port}: i/o timeout "
                "(Client.Timeout exceeded while awaiting headers)")  # fmt: skip
    if failure is Failure.RESET:
        local = f"{source or '10.244.0.1'}:{40000 + hop.state.request_counter % 20000}"
        return f"{prefix}read tcp {local}->{address}:{port}: read: connection reset by peer"
    if failure is Failure.TLS:
        return f"{prefix}tls: first record does not look like a TLS handshake"
    return f"{prefix}EOF"


def _get(hop: Hop, url: str) -> bytes:
    """The body of a 2xx answer to istiod's GET of `url`; FetchError otherwise
    (jwks_resolver.go getRemoteContentWithRetry)."""
    from .engine import direct

    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        raise FetchError(f'Get "{url}": unsupported protocol scheme "{scheme if sep else ""}"')
    authority, _, path = rest.partition("/")
    host, _, port_text = authority.partition(":")
    port = int(port_text) if port_text.isdigit() else (443 if scheme == "https" else 80)
    address = dns.resolve(hop.view, host, ISTIO_NAMESPACE)
    if address is None:
        raise FetchError(f'Get "{url}": dial tcp: lookup {host}{_dns_server(hop)}: no such host')
    request = HttpRequest("GET", authority, "/" + path, scheme,
                          (("user-agent", USER_AGENT), ("accept-encoding", "gzip")))  # fmt: skip
    istiod = _istiod(hop)
    source = istiod.ip if istiod else ""
    delivery = direct(hop.deeper(), istiod, source, request, address, port)
    response = delivery.response
    if response is None:
        raise FetchError(_failure_text(hop, url, address, port, delivery.failure, source))
    if not 200 <= response.status < 300:
        quoted = json.dumps(response.body.decode("utf-8", "replace"), ensure_ascii=False)
        if len(quoted) > 100:
            raise FetchError(f"status {response.status}, message {quoted[:100]}(truncated)")
        raise FetchError(f"status {response.status}, message {quoted}")
    return response.body


def _fetch(hop: Hop, issuer: str, jwks_uri: str) -> str:
    """The key set text (GetPublicKey: the jwksUri, or OpenID discovery from the issuer)."""
    uri = jwks_uri
    if not uri:
        discovery = _get(hop, issuer.rstrip("/") + OPENID_SUFFIX)
        try:
            found = json.loads(discovery)
        except ValueError as exc:
            raise FetchError(str(exc)) from None
        named = found.get("jwks_uri") if isinstance(found, dict) else None
        if not isinstance(named, str):
            raise FetchError(f"invalid jwks_uri {named} in openID discovery configuration")
        uri = named
    return _get(hop, uri).decode("utf-8", "replace")


def _log_failure(hop: Hop, issuer: str, jwks_uri: str, error: str) -> None:
    """istiod's log lines for a key set it could not fetch (scope `model`)."""
    istiod = _istiod(hop)
    if istiod is None:
        return
    ts = hop.now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    where = jwks_uri or issuer
    lines = (
        f'{ts}\terror\tmodel\tFailed to fetch public key from "{where}": {error}',
        f"{ts}\tinfo\tmodel\tThe JWKS key is not yet fetched for issuer {issuer} "
        f"({jwks_uri}), using a fake JWKS for now",
    )
    containers = (istiod.obj.get("spec") or {}).get("containers") or [{}]
    container = str(containers[0].get("name") or ISTIOD_CONTAINER)  # "discovery" in an install
    hop.log(istiod.namespace, istiod.name, container, "\n".join(lines))


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
            try:
                fetched = _fetch(hop, issuer, jwks_uri)
            except FetchError as exc:
                hop.view.remember(failed, True)
                if entry is None:
                    _log_failure(hop, issuer, jwks_uri, str(exc))
            else:
                cache[(issuer, jwks_uri)] = (now, fetched)
                return fetched
        return str(entry[1]) if entry is not None else None  # a failed refresh keeps keys

    return resolve


__all__ = ["istiod_keys"]
