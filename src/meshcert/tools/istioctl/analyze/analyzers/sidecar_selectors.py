"""IST0111 MultipleSidecarsWithoutWorkloadSelectors: more than one Sidecar without a
workloadSelector in a namespace. Source: istio/istio
pkg/config/analysis/analyzers/sidecar/defaultselector.go (the Sidecars are named, sorted, without
their namespace: sidecar/util.go getNames).
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource


class DefaultSelectorAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "sidecar.DefaultSelectorAnalyzer",
        "Validates that there aren't multiple sidecar resources that have no selector",
        ("Sidecar",))  # fmt: skip

    def analyze(self, context: Context) -> None:
        by_namespace: dict[str, list[Resource]] = {}
        for sidecar in context.each("Sidecar"):
            if not sidecar.spec.get("workloadSelector"):
                by_namespace.setdefault(sidecar.namespace, []).append(sidecar)
        for namespace, found in by_namespace.items():
            if len(found) > 1:
                names = sorted(r.name for r in found)
                for sidecar in found:
                    context.report(msg.MultipleSidecarsWithoutWorkloadSelectors, sidecar, names,
                                   namespace)  # fmt: skip
