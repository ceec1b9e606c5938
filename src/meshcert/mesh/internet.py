"""The internet as a lab sees it: the public hosts istio.io tasks call, answering over HTTP and
HTTPS; every other public name fails to resolve, as from an isolated cluster.

- httpbin.org: httpbin's endpoints (`meshcert.mesh.apps.httpbin`) behind an AWS load balancer
  (adds `X-Amzn-Trace-Id`, shows the caller's public address as origin).
- edition.cnn.com: HTTP answers 301 to the same path over HTTPS; HTTPS answers the page
  (istio.io docs/tasks/traffic-management/egress/egress-control, egress-tls-origination).
- www.google.com, istio.io: a page over either scheme.
- raw.githubusercontent.com: Istio's sample JWKS at
  /istio/istio/release-1.26/security/tools/jwt/samples/jwks.json (the file
  security/tools/jwt/samples/jwks.json of istio/istio, verbatim); 404 elsewhere.

Addresses are fixed public-looking IPv4 addresses so `nslookup` and `-w %{remote_ip}` are
stable. HTTPS answers come over HTTP/2 (ALPN), as curl 8 negotiates with these hosts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .apps import httpbin as httpbin_app
from .apps.serving import Call, http_date
from .exchanges import HttpRequest, HttpResponse
from .simulation.deliveries import Delivery, Failure

JWKS_PATH = "/istio/istio/release-1.26/security/tools/jwt/samples/jwks.json"
JWKS_PREFIX = "/istio/istio/"
JWKS_SUFFIX = "/security/tools/jwt/samples/jwks.json"
JWKS = (
    '{ "keys":[ {"e":"AQAB","kid":"DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ","kty":"RSA",'
    '"n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6o'
    "tmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-"
    "4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZ"
    'PYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ"}]}\n'
)
# The address the lab's traffic leaves the cluster from (what httpbin.org shows as origin).
EGRESS_ADDRESS = "203.0.113.10"
LATENCY = 0.012  # seconds a round trip to a public host takes


@dataclass(frozen=True)
class ExternalHost:
    name: str
    address: str
    serve: Callable[[HttpRequest, datetime], HttpResponse]
    https: bool = True
    http: bool = True


def _page(request: HttpRequest, now: datetime, title: str, server: str) -> HttpResponse:
    body = f"<!doctype html><html><head><title>{title}</title></head><body></body></html>\n"
    return HttpResponse(
        200,
        (
            ("content-type", "text/html; charset=utf-8"),
            ("content-length", str(len(body))),
            ("date", http_date(now)),
            ("server", server),
        ),
        body.encode(),
        duration=LATENCY,
    )


def _cnn(request: HttpRequest, now: datetime) -> HttpResponse:
    if request.scheme == "http":
        location = f"https://edition.cnn.com{request.path}"
        return HttpResponse(
            301,
            (
                ("content-length", "0"),
                ("retry-after", "0"),
                ("location", location),
                ("accept-ranges", "bytes"),
                ("date", http_date(now)),
                ("via", "1.1 varnish"),
                ("set-cookie", "countryCode=US; Domain=.cnn.com; Path=/; SameSite=None; Secure"),
                ("x-served-by", "cache-iad-kiad7000029-IAD"),
                ("x-cache", "HIT"),
                ("cache-control", "public, max-age=600"),
            ),
            b"",
            duration=LATENCY,
        )
    return _page(request, now, "CNN Politics", "Varnish")


def _google(request: HttpRequest, now: datetime) -> HttpResponse:
    return _page(request, now, "Google", "gws")


def _istio(request: HttpRequest, now: datetime) -> HttpResponse:
    return _page(request, now, "Istio", "Netlify")


def _github_raw(request: HttpRequest, now: datetime) -> HttpResponse:
    path = request.uri_path
    if path.startswith(JWKS_PREFIX) and path.endswith(JWKS_SUFFIX):
        body = JWKS.encode()
        return HttpResponse(
            200,
            (
                ("content-type", "text/plain; charset=utf-8"),
                ("content-length", str(len(body))),
                ("cache-control", "max-age=300"),
                ("etag", '"' + hashlib.sha256(body).hexdigest() + '"'),
                ("date", http_date(now)),
                ("server", "GitHub.com"),
            ),
            body,
            duration=LATENCY,
        )
    return HttpResponse(
        404,
        (
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", "14"),
            ("date", http_date(now)),
        ),
        b"404: Not Found",
        duration=LATENCY,
    )


def _httpbin(request: HttpRequest, now: datetime) -> HttpResponse:
    trace = hashlib.sha1(f"{now.isoformat()}{request.path}".encode()).hexdigest()[:24]
    seen = request.with_header("x-amzn-trace-id", f"Root=1-{int(now.timestamp()):08x}-{trace}")
    call = Call(
        pod={},
        container={},
        request=seen,
        port=443 if request.scheme == "https" else 80,
        peer=EGRESS_ADDRESS,
        now=now,
        fetch=_no_fetch,
        log=lambda line: None,
    )
    response = httpbin_app.httpbin(call)
    headers = [(n, v) for n, v in response.headers if n != "server"]
    headers.insert(0, ("connection", "keep-alive"))
    headers.append(("server", "gunicorn/19.9.0"))
    return HttpResponse(response.status, tuple(headers), response.body,
                        duration=response.duration + LATENCY)  # fmt: skip


def _no_fetch(url: str, headers: tuple[tuple[str, str], ...], timeout: float | None) -> Delivery:
    return Delivery(None, Failure.RESOLVE)


HOSTS: dict[str, ExternalHost] = {
    h.name: h
    for h in (
        ExternalHost("httpbin.org", "44.207.168.240", _httpbin),
        ExternalHost("edition.cnn.com", "151.101.67.5", _cnn),
        ExternalHost("www.google.com", "142.250.80.100", _google),
        ExternalHost("istio.io", "75.2.60.5", _istio),
        ExternalHost("raw.githubusercontent.com", "185.199.108.133", _github_raw),
    )
}
_BY_ADDRESS = {h.address: h for h in HOSTS.values()}


def resolve_public(name: str) -> str | None:
    """The address public DNS gives for `name` (None: no such host from the lab)."""
    found = HOSTS.get(name.lower().rstrip("."))
    return found.address if found else None


def host_at(address: str) -> ExternalHost | None:
    return _BY_ADDRESS.get(address)


def host_named(name: str) -> ExternalHost | None:
    return HOSTS.get(name.lower().rstrip("."))


__all__ = ["EGRESS_ADDRESS", "HOSTS", "JWKS", "JWKS_PATH", "ExternalHost", "host_at",
           "host_named", "resolve_public"]  # fmt: skip
