"""IST0109 ConflictingMeshGatewayVirtualServiceHosts: two VirtualServices bound to the mesh
gateway (no `gateways`, or `mesh` among them) define the same host in the same export scope.
Source: istio/istio pkg/config/analysis/analyzers/virtualservice/conflictingmeshgatewayhosts.go
(the host is printed scoped, `*/reviews.default.svc.cluster.local`).
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import MESH_GATEWAY, export_scopes, fqdn


class ConflictingMeshGatewayHostsAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        "Checks if multiple virtual services associated with the mesh gateway have conflicting "
        "hosts", ("VirtualService",))  # fmt: skip

    def analyze(self, context: Context) -> None:
        by_host: dict[str, list[Resource]] = {}
        for vs in context.each("VirtualService"):
            gateways = vs.spec.get("gateways") or []
            if gateways and MESH_GATEWAY not in gateways:
                continue
            for scope in export_scopes(vs.namespace, vs.spec.get("exportTo")):
                for host in vs.spec.get("hosts") or []:
                    key = f"{scope}/{fqdn(str(host), vs.namespace)}"
                    by_host.setdefault(key, []).append(vs)
        for key, found in by_host.items():
            if len(found) > 1:
                names = ",".join(r.full_name for r in found)
                for vs in found:
                    context.report(msg.ConflictingMeshGatewayVirtualServiceHosts, vs, names, key,
                                   at=("metadata", "name"))  # fmt: skip
