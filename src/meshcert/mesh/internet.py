"""The internet as a lab sees it: the public hosts istio.io tasks call, answering over HTTP and
HTTPS; every other public name fails to resolve, as from an isolated cluster.

- httpbin.org: httpbin's endpoints (`meshcert.mesh.apps.httpbin`) behind an AWS load balancer
  (adds `X-Amzn-Trace-Id`, shows the caller's public address as origin).
- edition.cnn.com: HTTP answers 301 to the same path over HTTPS; HTTPS answers the page
  (istio.io docs/tasks/traffic-management/egress/egress-control, egress-tls-origination).
- www.google.com, istio.io: a page over either scheme.
- raw.githubusercontent.com: Istio's JWT samples under
  /istio/istio/<branch>/security/tools/jwt/samples/: jwks.json, demo.jwt, groups-scope.jwt and
  key.pem (the files security/tools/jwt/samples/* of istio/istio, verbatim; the istio.io
  security tasks fetch them); 404 elsewhere.

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
SAMPLES_PREFIX = "/istio/istio/"
SAMPLES_DIR = "/security/tools/jwt/samples/"
JWKS = (
    '{ "keys":[ {"e":"AQAB","kid":"DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ","kty":"RSA",'
    '"n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6o'
    "tmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-"
    "4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZ"
    'PYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ"}]}'
)
_JWT_HEADER = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IkRIRmJwb0lVcXJZOHQyenBBMnFYZkNtcjVWTzVaRXI0UnpIVV8tZW52dlEiLCJ0"
    "eXAiOiJKV1QifQ"
)
DEMO_JWT = (
    _JWT_HEADER + ".eyJleHAiOjQ2ODU5ODk3MDAsImZvbyI6ImJhciIsImlhdCI6MTUzMjM4OTcwMCwiaXNzIjoidGVzdG"
    "luZ0BzZWN1cmUuaXN0aW8uaW8iLCJzdWIiOiJ0ZXN0aW5nQHNlY3VyZS5pc3Rpby5pbyJ9.CfNnxWP2tcnR9q0vxyxwe"
    "aF3ovQYHYZl82hAUsn21bwQd9zP7c-LS9qd_vpdLG4Tn1A15NxfCjp5f7QNBUo-KC9PJqYpgGbaXhaGx7bEdFWjcwv3nZ"
    "zvc7M__ZpaCERdwU7igUmJqYGBYQ51vr2njU9ZimyKkfDe3axcyiBZde7G6dabliUosJvvKOPcKIWPccCgefSj_GNfwIi"
    "p3-SsFdlR7BtbVUcqR-yv-XOxJ3Uc1MI0tz3uMiiZcyPV7sNCU4KRnemRIMHVOfuvHsU60_GhGbiSFzgPTAa9WTltbnar"
    "Tbxudb_YEOx12JiwYToeX0DCPb43W1tzIBxgm8NxUg\n"
)
GROUPS_SCOPE_JWT = (
    _JWT_HEADER + ".eyJleHAiOjM1MzczOTExMDQsImdyb3VwcyI6WyJncm91cDEiLCJncm91cDIiXSwiaWF0IjoxNTM3Mz"
    "kxMTA0LCJpc3MiOiJ0ZXN0aW5nQHNlY3VyZS5pc3Rpby5pbyIsInNjb3BlIjpbInNjb3BlMSIsInNjb3BlMiJdLCJzdW"
    "IiOiJ0ZXN0aW5nQHNlY3VyZS5pc3Rpby5pbyJ9.EdJnEZSH6X8hcyEii7c8H5lnhgjB5dwo07M5oheC8Xz8mOllyg--A"
    "HCFWHybM48reunF--oGaG6IXVngCEpVF0_P5DwsUoBgpPmK1JOaKN6_pe9sh0ZwTtdgK_RP01PuI7kUdbOTlkuUi2AO-q"
    "UyOm7Art2POzo36DLQlUXv8Ad7NBOqfQaKjE9ndaPWT7aexUsBHxmgiGbz1SyLH879f7uHYPbPKlpHU6P9S-DaKnGLaEc"
    "hnoKnov7ajhrEhGXAQRukhDPKUHO9L30oPIr5IJllEQfHYtt6IZvlNUGeLUcif3wpry1R5tBXRicx2sXMQ7LyuDremDbc"
    "Ny_iE76Upg\n"
)
# The sample signing key of those tokens (Istio publishes it for tests; gen-jwt.py's key.pem).
SAMPLE_KEY_PEM = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAxAE7eB6qugXyCAG3yhh7pkDkT65pHymX+P7KfIupjf59vsdo
91bSP9C8H07pSAGQO1MV/xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg/pbh
LdKXbi66GlVeK6ABZOUW3WYtnNHD+91gVuoeJT/DwtGGcp4ignkgXfkiEm4sw+4s
fb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo/+4WTiULmmHSGZHOjzwa8Wtr
tOQGsAFjIbno85jp6MnGGGZPYZbDAa/b3y5u+YpW7ypZrvD8BgtKVjgtQgZhLAGe
zMt0ua3DRrWnKqTZ0BJ/EyxOGuHJrLsn00fnMQIDAQABAoIBAQCfv3ler2/qaYoX
6H6I4md02xK5tqbK1TWdpNwXoiSxLCgEY7YzULnPdSq+Qax0GYIaN9+Hof7cLFRf
XOxCTqCm+k8cqqwP0vTFhdFY8ltLkCdAGGyy0h7FmKPpboZv+9rnBqgaDntCgty+
3HD2pZ2oMk407Fwt8qChwmMU9EZGycIRxwTFB8xGpss8gFc+fTAmvGFI/s8aclu+
+XmvPkw0lz+dLaNsne0yBHVMPFtncqhbsFbnbB8OAMtWsVbTwU60OVeZ/oOYJVY9
vtuMQ4IAi5kMx8AWQ1UDvW2ZnuGpQkr6dZ2YP/IMOXGaywbgcHPUitrW3iIYYW+U
NIVWXkA5AoGBAPd9MesQduCsngWNvtIjrNUEakbXkg0vbw+dRIbIqy2Bx/tyWhim
qFNYcNjZELqp5C3f3hlO/k9K8xxJLIYloYg1948DbpOhVk8SdFGgpCYC4q/fBPw+
kAFQEKhZelwKj2Srf58BCrhIe1KPHbQfTF/JZ7JBndIw79/1p9rU6wWLAoGBAMq+
yd+7L8wpCZNtmjDUTWmGq3LmFLBzBMhwmV2NOKbTFakMVyEtSORQFOJbxFwuWx5z
j3nLq9ivQgNKLPLSTF/Dtej2lzgNd9YG/9XW+6HeZ841XNUHE0XsU6Mm1EAyadfu
AAnoxTh/NqYvF81qCM9tl9Bsjx8klOyXrrGKj/WzAoGAKJC2u+bI9W6VwCdJnbwH
OistGEuBPvQFajPG5ajClgTtuIM3zU6TzIV0ibaajV4HbpWBG/jcqjaIvpwn1h0Y
6vCdkS1o1H3fXbqSokaIYUqbyWPut0Gx7OUotc9kxO1eL4wEsRVEoowO2qtmnP18
UT775jXnHmqzBqyHRNEdbJ0CgYAdgPAdp77H5fznwF5c1rhBMADJIqRGHSbICGK5
E3D4DeWsCQiw4kcmOmUfn50OkQxffQ+W+MWULcTcd7Hc0C+fC/rv4NqWpJcYxUH7
m2JY5uWSQ3+z3Gi4lzCAoIjooq12Z8MHriDtHM4WFupO0SxhCyC5iuK09HzbhSM9
4N0cMwKBgGfYJRmX5pW7rKo/O1Zl6oG6VBA6fYXIe28X9sZ0YCbVIuX8MgRk2Vpm
y47qmzEQ/1kwWtQzZOcePM8rd8qTTFPCkM45S1ieh7qjNSMVIbl8I635UqCCoetW
VDwvUhVLO4mBT0p2F8g6Wngmpy9ZBh2B52w3Rz9UxHffwdC7hhQD
-----END RSA PRIVATE KEY-----
"""
JWT_SAMPLES = {
    "jwks.json": JWKS,
    "demo.jwt": DEMO_JWT,
    "groups-scope.jwt": GROUPS_SCOPE_JWT,
    "key.pem": SAMPLE_KEY_PEM,
}
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
    _, sep, name = path.rpartition(SAMPLES_DIR)
    branch = path[len(SAMPLES_PREFIX) : len(path) - len(sep) - len(name)]
    text = JWT_SAMPLES.get(name) if sep and path.startswith(SAMPLES_PREFIX) and branch else None
    if text is not None and "/" not in branch:
        body = text.encode()
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


__all__ = ["DEMO_JWT", "EGRESS_ADDRESS", "GROUPS_SCOPE_JWT", "HOSTS", "JWKS", "JWKS_PATH",
           "JWT_SAMPLES", "SAMPLE_KEY_PEM", "ExternalHost", "host_at", "host_named",
           "resolve_public"]  # fmt: skip
