"""Which app an image runs: fnmatch patterns over the lower-cased image reference, first match
wins; images that run no server (curl, sleep, busybox) listen on nothing, so connecting to them
is refused; any other image is a plain echo server."""

from __future__ import annotations

import fnmatch

from . import bookinfo, go_httpbin, httpbin, nginx, samples
from .serving import App

BOOK = (9080,)
ECHO = App("echo", http=samples.echo)
CATALOGUE: tuple[tuple[str, App], ...] = (
    ("*examples-bookinfo-productpage*", App("productpage", bookinfo.productpage, ports=BOOK)),
    ("*examples-bookinfo-reviews-v1*", App("reviews-v1", bookinfo.reviews_app("v1"), ports=BOOK)),
    ("*examples-bookinfo-reviews-v2*", App("reviews-v2", bookinfo.reviews_app("v2"), ports=BOOK)),
    ("*examples-bookinfo-reviews-v3*", App("reviews-v3", bookinfo.reviews_app("v3"), ports=BOOK)),
    ("*examples-bookinfo-ratings*", App("ratings", bookinfo.ratings, ports=BOOK)),
    ("*examples-bookinfo-details*", App("details", bookinfo.details, ports=BOOK)),
    ("*go-httpbin*", App("httpbin", go_httpbin.go_httpbin, ports=(8080,))),
    ("*httpbin*", App("httpbin", httpbin.httpbin, ports=(80,))),
    ("*helloworld*", App("helloworld", samples.helloworld, ports=(5000,))),
    ("*tcp-echo*", App("tcp-echo", tcp=samples.tcp_echo, ports_of=samples.tcp_echo_ports)),
    ("*fortio*", App("fortio", samples.fortio_server, ports=(8080, 8079, 8078))),
    ("*nginx*", App("nginx", nginx.nginx, tls=nginx.server_tls)),
    ("*curl*", App("curl", listens=False)),
    ("*sleep*", App("sleep", listens=False)),
    ("*busybox*", App("busybox", listens=False)),
    ("*istio/proxyv2*", App("proxy", listens=False)),
)


_CACHE: dict[str, App] = {}


def app_for(image: str) -> App:
    found = _CACHE.get(image)
    if found is None:
        found = _CACHE[image] = _match(image)
    return found


def _match(image: str) -> App:
    lowered = image.lower()

    for pattern, app in CATALOGUE:
        if fnmatch.fnmatchcase(lowered, pattern):
            return app
    return ECHO


__all__ = ["CATALOGUE", "ECHO", "app_for"]
