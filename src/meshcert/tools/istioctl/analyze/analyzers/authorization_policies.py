"""IST0127 NoMatchingWorkloadsFound and IST0101 ReferencedResourceNotFound (`namespace`): an
AuthorizationPolicy whose selector matches no pod in the mesh (in its namespace; anywhere for a
policy in the root namespace; a namespace-wide policy in a namespace with no mesh pod at all),
and `from.source.namespaces` / `notNamespaces` naming no namespace (`*`, `prefix*` and `*suffix`
patterns allowed). Source: istio/istio
pkg/config/analysis/analyzers/authz/authorizationpolicies.go (pods count when in the mesh:
util.PodInMesh, an istio-proxy container or the injection status annotation). The root
namespace is taken as the istio namespace (meshConfig.rootNamespace is not read here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import selector_string, selects


def in_mesh(pod: Resource) -> bool:
    if "sidecar.istio.io/status" in pod.annotations:
        return True
    containers = [*(pod.spec.get("containers") or []), *(pod.spec.get("initContainers") or [])]
    return any((c or {}).get("name") == "istio-proxy" for c in containers)


def namespace_matches(namespace: str, pattern: str) -> bool:
    if pattern == "*":
        return True
    if pattern.startswith("*"):
        return namespace.endswith(pattern[1:])
    if pattern.endswith("*"):
        return namespace.startswith(pattern[:-1])
    return namespace.lower() == pattern.lower()


class AuthorizationPoliciesAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "auth.AuthorizationPoliciesAnalyzer", "Checks the validity of authorization policies",
        ("MeshConfig", "AuthorizationPolicy", "Namespace", "Pod"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        pods: dict[str, list[Mapping[str, str]]] = {}
        for pod in context.each("Pod"):
            if in_mesh(pod):
                pods.setdefault(pod.namespace, []).append(pod.labels)
        namespaces = [ns.name for ns in context.each("Namespace")]
        for ap in context.each("AuthorizationPolicy"):
            self._workloads(context, ap, pods)
            for i, rule in enumerate(ap.spec.get("rules") or []):
                for j, source in enumerate((rule or {}).get("from") or []):
                    src = (source or {}).get("source") or {}
                    for field in ("namespaces", "notNamespaces"):
                        for k, pattern in enumerate(src.get(field) or []):
                            if not any(namespace_matches(n, str(pattern)) for n in namespaces):
                                at = ("spec", "rules", i, "from", j, "source", field, k)
                                context.report(msg.ReferencedResourceNotFound, ap, "namespace",
                                               str(pattern), at=at)  # fmt: skip

    def _workloads(
        self, context: Context, ap: Resource, pods: Mapping[str, list[Mapping[str, str]]]
    ) -> None:
        selector = ap.spec.get("selector")
        labels = (selector or {}).get("matchLabels") or {}
        if ap.namespace == context.istio_namespace:
            everywhere = [p for found in pods.values() for p in found]
            if selector is not None and not any(selects(labels, p) for p in everywhere):
                context.report(msg.NoMatchingWorkloadsFound, ap, selector_string(labels))
            return
        if selector is None:
            if not pods.get(ap.namespace):
                context.report(msg.NoMatchingWorkloadsFound, ap, "")
            return
        if not any(selects(labels, p) for p in pods.get(ap.namespace, [])):
            context.report(msg.NoMatchingWorkloadsFound, ap, selector_string(labels))
