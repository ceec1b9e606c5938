"""IST0101 ReferencedResourceNotFound (`selector`) and IST0110
ConflictingSidecarWorkloadSelectors: a Sidecar whose workloadSelector matches no pod of its
namespace, and two Sidecars selecting the same pod (one message per Sidecar and pod).
IST0167 IneffectivePolicy: a Sidecar that selects an ambient pod (annotation
`ambient.istio.io/redirection: enabled`), or has no selector in an ambient namespace
(util.NamespaceInAmbientMode: `istio.io/dataplane-mode=ambient` without an injection label),
configures no proxy at all; once per Sidecar, instead of IST0110.
Source: istio/istio pkg/config/analysis/analyzers/sidecar/selector.go (SelectorAnalyzer);
istio.io docs/reference/config/analysis/ist0167. Its IST0111 is sidecar.DefaultSelectorAnalyzer's
here (the same lines; istioctl prints each once).
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import selector_string, selects

AMBIENT_POD = "selected workload is in ambient mode, the policy has no impact"
AMBIENT_NAMESPACE = "namespace is in ambient mode, the policy has no impact"


def pod_in_ambient_mode(pod: Resource) -> bool:
    return pod.annotations.get("ambient.istio.io/redirection") == "enabled"


def namespace_in_ambient_mode(namespace: Resource | None) -> bool:
    if namespace is None:
        return False
    labels = namespace.labels
    if labels.get("istio-injection") == "enabled" or labels.get("istio.io/rev"):
        return False
    return labels.get("istio.io/dataplane-mode") == "ambient"


class SelectorAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "sidecar.SelectorAnalyzer",
        "Validates that sidecars that define a workload selector match at least one pod, and "
        "that there aren't multiple sidecar resources that select overlapping pods",
        ("Sidecar", "Pod", "Namespace"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        pods: dict[str, list[Resource]] = {}
        for pod in context.each("Pod"):
            pods.setdefault(pod.namespace, []).append(pod)
        by_pod: dict[tuple[str, str], list[Resource]] = {}
        selected: dict[tuple[str, str], Resource] = {}
        namespace_wide: list[Resource] = []
        for sidecar in context.each("Sidecar"):
            labels = (sidecar.spec.get("workloadSelector") or {}).get("labels") or {}
            if not labels:
                namespace_wide.append(sidecar)
                continue
            found = [p for p in pods.get(sidecar.namespace, []) if selects(labels, p.labels)]
            if not found:
                at = ("spec", "workloadSelector", "labels", min(labels))
                context.report(msg.ReferencedResourceNotFound, sidecar, "selector",
                               selector_string(labels), at=at)  # fmt: skip
            for pod in found:
                by_pod.setdefault((pod.namespace, pod.name), []).append(sidecar)
                selected[(pod.namespace, pod.name)] = pod
        ineffective: set[str] = set()
        for (namespace, pod_name), sidecars in by_pod.items():
            if pod_in_ambient_mode(selected[(namespace, pod_name)]):
                for sidecar in sidecars:
                    if sidecar.full_name not in ineffective:
                        ineffective.add(sidecar.full_name)
                        context.report(msg.IneffectivePolicy, sidecar, AMBIENT_POD)
            elif len(sidecars) > 1:
                names = sorted(s.name for s in sidecars)
                for sidecar in sidecars:
                    context.report(msg.ConflictingSidecarWorkloadSelectors, sidecar, names,
                                   namespace, pod_name, at=("metadata", "name"))  # fmt: skip
        for sidecar in namespace_wide:
            if namespace_in_ambient_mode(context.find("Namespace", "", sidecar.namespace)):
                context.report(msg.IneffectivePolicy, sidecar, AMBIENT_NAMESPACE)
