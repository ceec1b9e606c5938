"""IST0101 ReferencedResourceNotFound (`gateway`) and IST0132
VirtualServiceHostNotFoundInGateway. Source: istio/istio
pkg/config/analysis/analyzers/virtualservice/gateways.go.

Each gateway a VirtualService binds to (`name` in its namespace or `namespace/name`; `mesh`
excepted) must exist, and one of the VirtualService's hosts must match a host of one of that
gateway's servers (`./h`, `*/h`, `ns/h` scoped to the VirtualService's namespace). A missing
gateway reports both messages, as Istio's analyzer does.
"""

from __future__ import annotations

from typing import ClassVar

from meshcert.mesh import hosts

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import MESH_GATEWAY


class GatewayAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "virtualservice.GatewayAnalyzer",
        "Checks the gateways associated with each virtual service",
        ("Gateway", "VirtualService"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        for vs in context.each("VirtualService"):
            vs_hosts = [str(h) for h in vs.spec.get("hosts") or []]
            for i, ref in enumerate(vs.spec.get("gateways") or []):
                ref = str(ref)
                if ref == MESH_GATEWAY:
                    continue
                at = ("spec", "gateways", i)
                ns, _, name = ref.rpartition("/")
                ns = ns or vs.namespace
                if not context.exists("Gateway", ns, name):
                    context.report(msg.ReferencedResourceNotFound, vs, "gateway", ref, at=at)
                if not _host_in_gateway(context, ns, name, vs_hosts, vs.namespace):
                    context.report(msg.VirtualServiceHostNotFoundInGateway, vs, vs_hosts,
                                   vs.full_name, f"{ns}/{name}", at=at)  # fmt: skip


def _host_in_gateway(context: Context, ns: str, name: str, vs_hosts: list[str],
                     vs_namespace: str) -> bool:  # fmt: skip
    gateway = context.find("Gateway", ns, name)
    if gateway is None:
        return False
    names: list[str] = []
    for server in gateway.spec.get("servers") or []:
        for host in (server or {}).get("hosts") or []:
            scope, _, bare = str(host).rpartition("/")
            if scope in ("", "*") or (scope == "." and ns == vs_namespace) or scope == vs_namespace:
                names.append(bare)
    return any(hosts.intersect(g, v) for g in names for v in vs_hosts)
