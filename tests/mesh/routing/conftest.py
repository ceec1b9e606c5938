"""A small mesh to route in: a `curl` client with a sidecar in `default`, bookinfo's reviews
(v1, v2, v3) and ratings, httpbin in `other`, tcp-echo; helpers to build a view with extra
manifests and to send a request from the client's sidecar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing import Proxy, RouteOutcome, proxy_for, route_http
from meshcert.mesh.view import MeshView

BASE = """
kind: Namespace
metadata: {name: default}
---
kind: Namespace
metadata: {name: other}
---
kind: Namespace
metadata: {name: istio-system}
---
kind: Pod
metadata: {name: curl, labels: {app: curl}}
spec:
  serviceAccountName: curl
  containers: [{name: curl, image: curlimages/curl}, {name: istio-proxy}]
---
kind: Pod
metadata: {name: curl-other, namespace: other, labels: {app: curl}}
spec: {containers: [{name: curl}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: reviews-v1, labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio}}
spec: {containers: [{name: reviews}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: reviews-v2, labels: {app: reviews, version: v2, security.istio.io/tlsMode: istio}}
spec: {containers: [{name: reviews}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: reviews-v3, labels: {app: reviews, version: v3, security.istio.io/tlsMode: istio}}
spec: {containers: [{name: reviews}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: ratings-v1, labels: {app: ratings, version: v1}}
spec: {containers: [{name: ratings}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: httpbin, namespace: other, labels: {app: httpbin}}
spec: {containers: [{name: httpbin, ports: [{name: http, containerPort: 8080}]}]}
---
kind: Pod
metadata: {name: tcp-echo, labels: {app: tcp-echo}}
spec: {containers: [{name: tcp-echo}, {name: istio-proxy}]}
---
kind: Service
metadata: {name: reviews}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
kind: Service
metadata: {name: ratings}
spec: {selector: {app: ratings}, ports: [{name: http, port: 9080}]}
---
kind: Service
metadata: {name: httpbin, namespace: other}
spec: {selector: {app: httpbin}, ports: [{name: http, port: 8000, targetPort: http}]}
---
kind: Service
metadata: {name: tcp-echo}
spec: {selector: {app: tcp-echo}, ports: [{name: tcp, port: 9000}, {name: tcp-other, port: 9001}]}
"""

Build = Callable[..., tuple[MeshView, Proxy]]
Send = Callable[..., RouteOutcome]


def build_view(
    extra: str = "", mesh: str = "", client: str = "default/curl"
) -> tuple[MeshView, Proxy]:
    docs = [d for d in yaml.safe_load_all(BASE + "\n---\n" + extra) if d]
    view = MeshView.from_manifests(docs, mesh_text=mesh)
    ns, name = client.split("/")
    workload = view.workload(ns, name)
    assert workload is not None
    proxy = proxy_for(workload)
    assert proxy is not None
    return view, proxy


def send(
    view: MeshView,
    proxy: Proxy,
    url: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    port: int | None = None,
) -> RouteOutcome:
    """Route `http://authority/path` from `proxy`; the port defaults to the URL's or 80."""
    scheme, _, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if port is None:
        _, colon, number = authority.rpartition(":")
        port = int(number) if colon and number.isdigit() else (443 if scheme == "https" else 80)
    request = HttpRequest(
        method, authority, slash + path or "/", scheme, tuple((headers or {}).items())
    )
    return route_http(view, proxy, request, port)


def hosts_of(outcome: Any) -> list[tuple[str, str | None, int | None, int]]:
    return [
        (d.destination.host, d.destination.subset, d.destination.port, d.weight)
        for d in outcome.destinations
    ]


@pytest.fixture
def build() -> Build:
    return build_view


@pytest.fixture
def send_from() -> Send:
    return send


@pytest.fixture
def dests() -> Callable[[Any], list[tuple[str, str | None, int | None, int]]]:
    return hosts_of
