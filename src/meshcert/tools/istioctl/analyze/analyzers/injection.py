"""IST0102 NamespaceNotInjected, IST0123 NamespaceMultipleInjectionLabels, IST0103
PodMissingProxy. Source: istio/istio pkg/config/analysis/analyzers/injection/injection.go.

A namespace (not istio-system nor a system namespace, not ambient) with neither
`istio-injection` nor `istio.io/rev` is not injected; with both it has two injection labels;
`istio-injection` other than `enabled` means deliberately not injected. In an injected
namespace a pod without an `istio-proxy` container (regular or native sidecar) is missing its
proxy unless `sidecar.istio.io/inject: "false"` or hostNetwork. The injector ConfigMap's
`enableNamespacesByDefault` (IST0148) is not modelled by the lab.
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import is_system_namespace

INJECTION = "istio-injection"
REVISION = "istio.io/rev"


class InjectionAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "injection.Analyzer", "Checks conditions related to Istio sidecar injection",
        ("Namespace", "Pod", "ConfigMap"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        injected: set[str] = set()
        for ns in context.each("Namespace"):
            name = ns.name
            if name == context.istio_namespace or is_system_namespace(name):
                continue
            if ns.labels.get("istio.io/dataplane-mode") == "ambient":
                continue
            legacy = ns.labels.get(INJECTION, "")
            has_rev = REVISION in ns.labels
            if not legacy and not has_rev:
                context.report(msg.NamespaceNotInjected, ns, name, name, at=("metadata", "name"))
                continue
            if has_rev:
                if legacy:
                    context.report(msg.NamespaceMultipleInjectionLabels, ns, [INJECTION, REVISION])
                    continue
            elif legacy != "enabled":
                continue
            injected.add(name)
        for pod in context.each("Pod"):
            if pod.namespace not in injected:
                continue
            inject = pod.labels.get("sidecar.istio.io/inject",
                                    pod.annotations.get("sidecar.istio.io/inject", ""))  # fmt: skip
            if str(inject).lower() == "false" or pod.spec.get("hostNetwork"):
                continue
            containers = [*(pod.spec.get("containers") or []),
                          *(pod.spec.get("initContainers") or [])]  # fmt: skip
            if not any((c or {}).get("name") == "istio-proxy" for c in containers):
                context.report(msg.PodMissingProxy, pod, pod.full_name)
