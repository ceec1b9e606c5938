"""IST0174 UnknownDestinationRuleHost and IST0173 DestinationRuleSubsetNotSelectPods: a
DestinationRule whose host is no Service or ServiceEntry visible from its namespace, or a
subset whose labels (merged with the service's selector) match no pod. Source: istio/istio
pkg/config/analysis/analyzers/destinationrule/subset.go (PodNotSelectedAnalyzer); istio.io
docs/reference/config/analysis/ist0173 and ist0174 for the texts. Later Istio releases also
match node topology labels; the lab's pods carry none, so that makes no difference here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import destination_host, selects, service_hosts


class PodNotSelectedAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "subsetPodNotSelected.Analyzer",
        "Checks if pods are selected by subsets in destination rules.",
        ("DestinationRule", "Pod", "Service", "ServiceEntry"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        entries = service_hosts(context)
        pods = [p.labels for p in context.each("Pod")]
        for dr in context.each("DestinationRule"):
            host = str(dr.spec.get("host") or "")
            entry = destination_host(dr.namespace, host, entries)
            if entry is None:
                context.report(msg.UnknownDestinationRuleHost, dr, host, at=("spec", "host"))
                continue
            owner = entry.resource
            base: Mapping[str, str] = (
                owner.spec.get("selector") or {}
                if owner.kind == "Service"
                else (owner.spec.get("workloadSelector") or {}).get("labels") or {}
            )
            for i, subset in enumerate(dr.spec.get("subsets") or []):
                selector = {**base, **((subset or {}).get("labels") or {})}
                if not any(selects(selector, labels) for labels in pods):
                    name = str((subset or {}).get("name") or "")
                    context.report(msg.DestinationRuleSubsetNotSelectPods, dr, name,
                                   at=("spec", "subsets", i, "name"))  # fmt: skip
