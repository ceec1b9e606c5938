"""The sidecar's own ports seen from inside its pod: Envoy's admin on 15000 (`/stats`, `/ready`,
`/server_info` state) and the health port 15021 (`/healthz/ready`), as
`kubectl exec POD -c istio-proxy -- curl localhost:15000/stats` shows them
(istio.io docs/ops/deployment/application-requirements ports table)."""

from __future__ import annotations

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest, HttpResponse

from .envoy import direct_response
from .hops import Hop
from .state import proxy_stats


def admin_response(hop: Hop, workload: Workload, request: HttpRequest, port: int) -> HttpResponse:
    path = request.uri_path
    if port == 15021:
        if path == "/healthz/ready":
            return direct_response(200, "", hop.now)
        return direct_response(404, "", hop.now)
    if path == "/stats":
        table = proxy_stats(hop.cluster, workload.namespace, workload.name)
        body = "".join(f"{name}: {value}\n" for name, value in sorted(table.items()))
        return direct_response(200, body, hop.now)
    if path == "/ready":
        return direct_response(200, "LIVE\n", hop.now)
    return direct_response(404, "invalid path. admin commands are:\n", hop.now)


__all__ = ["admin_response"]
