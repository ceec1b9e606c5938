"""IST0101 ReferencedResourceNotFound (`selector`) and IST0110
ConflictingSidecarWorkloadSelectors: a Sidecar whose workloadSelector matches no pod of its
namespace, and two Sidecars selecting the same pod (one message per Sidecar and pod).
Source: istio/istio pkg/config/analysis/analyzers/sidecar/selector.go (SelectorAnalyzer).
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import selector_string, selects


class SelectorAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "sidecar.SelectorAnalyzer",
        "Validates that sidecars that define a workload selector match at least one pod, and "
        "that there aren't multiple sidecar resources that select overlapping pods",
        ("Sidecar", "Pod"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        pods: dict[str, list[Resource]] = {}
        for pod in context.each("Pod"):
            pods.setdefault(pod.namespace, []).append(pod)
        by_pod: dict[tuple[str, str], list[Resource]] = {}
        for sidecar in context.each("Sidecar"):
            labels = (sidecar.spec.get("workloadSelector") or {}).get("labels") or {}
            if not labels:
                continue
            found = [p for p in pods.get(sidecar.namespace, []) if selects(labels, p.labels)]
            if not found:
                at = ("spec", "workloadSelector", "labels", min(labels))
                context.report(msg.ReferencedResourceNotFound, sidecar, "selector",
                               selector_string(labels), at=at)  # fmt: skip
            for pod in found:
                by_pod.setdefault((pod.namespace, pod.name), []).append(sidecar)
        for (namespace, pod_name), sidecars in by_pod.items():
            if len(sidecars) > 1:
                names = sorted(s.name for s in sidecars)
                for sidecar in sidecars:
                    context.report(msg.ConflictingSidecarWorkloadSelectors, sidecar, names,
                                   namespace, pod_name, at=("metadata", "name"))  # fmt: skip
