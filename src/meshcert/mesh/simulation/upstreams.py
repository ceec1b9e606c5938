"""The upstream side of a route, from `meshcert.mesh.destinations.upstream_cluster`: the Envoy
cluster a destination names, its endpoints and the effective traffic policy."""

from __future__ import annotations

from meshcert.mesh.config.routes import Destination
from meshcert.mesh.destinations import UpstreamCluster, upstream_cluster
from meshcert.mesh.routing import Proxy
from meshcert.mesh.view import MeshView

Upstream = UpstreamCluster


def upstream_for(view: MeshView, proxy: Proxy | None, destination: Destination,
                 namespace: str) -> Upstream | None:  # fmt: skip
    """The cluster of `destination` as `proxy` sees it; None when Envoy has no such cluster
    (unknown host, or a subset no DestinationRule defines: 503 NC)."""
    return upstream_cluster(view, proxy, destination, namespace)


__all__ = ["Upstream", "upstream_for"]
