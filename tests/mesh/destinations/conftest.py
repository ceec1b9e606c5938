"""A client with a sidecar in `default` and `other`, reviews v1/v2 in `default` (v1 with a
sidecar label, v2 without), helpers to build a view and resolve a destination's cluster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from meshcert.mesh.destinations import UpstreamCluster, upstream_cluster
from meshcert.mesh.routing import Destination, proxy_for
from meshcert.mesh.view import MeshView

BASE = """
kind: Pod
metadata: {name: curl, labels: {app: curl}}
spec: {containers: [{name: curl}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: curl, namespace: other, labels: {app: curl}}
spec: {containers: [{name: curl}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: reviews-v1, labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio}}
spec: {containers: [{name: reviews}, {name: istio-proxy}]}
---
kind: Pod
metadata: {name: reviews-v2, labels: {app: reviews, version: v2}}
spec: {containers: [{name: reviews}]}
---
kind: Service
metadata: {name: reviews}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}, {name: http-admin, port: 9090}]}
"""

Cluster = Callable[..., UpstreamCluster | None]


def resolve(
    extra: str = "",
    subset: str | None = None,
    port: int = 9080,
    client: str = "default",
    host: str = "reviews.default.svc.cluster.local",
    mesh: str = "",
) -> UpstreamCluster | None:
    docs = [d for d in yaml.safe_load_all(BASE + "\n---\n" + extra) if d]
    view = MeshView.from_manifests(docs, mesh_text=mesh)
    proxy = proxy_for(view.workload(client, "curl"))
    return upstream_cluster(view, proxy, Destination(host, subset, port))


@pytest.fixture
def cluster() -> Any:
    return resolve
