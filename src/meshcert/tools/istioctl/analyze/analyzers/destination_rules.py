"""IST0101 ReferencedResourceNotFound (`host+subset in destinationrule`): a route or mirror
names a subset no DestinationRule for that host defines. Source: istio/istio
pkg/config/analysis/analyzers/virtualservice/destinationrules.go.
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import fqdn, mirror_destinations, route_destinations


class DestinationRuleAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "virtualservice.DestinationRuleAnalyzer",
        "Checks the destination rules associated with each virtual service",
        ("VirtualService", "DestinationRule"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        subsets: set[tuple[str, str]] = set()
        for dr in context.each("DestinationRule"):
            host = fqdn(str(dr.spec.get("host") or ""), dr.namespace)
            for subset in dr.spec.get("subsets") or []:
                subsets.add((host, str((subset or {}).get("name") or "")))
        for vs in context.each("VirtualService"):
            for kind, found in (("host+subset", route_destinations(vs.spec)),
                                ("mirror+subset", mirror_destinations(vs.spec))):  # fmt: skip
                for d in found:
                    if d.subset and (fqdn(d.host, vs.namespace), d.subset) not in subsets:
                        ref = f"{kind} in destinationrule"
                        value = f"{d.host}+{d.subset}"
                        context.report(msg.ReferencedResourceNotFound, vs, ref, value, at=d.path)
