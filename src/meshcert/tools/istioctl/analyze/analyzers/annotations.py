"""IST0108 UnknownAnnotation and IST0107 MisplacedAnnotation: an annotation in an `istio.io`
domain Istio does not define, or one put on a kind it does not apply to. Source: istio/istio
pkg/config/analysis/analyzers/annotations/annotations.go over istio.io/api annotation
definitions (annotation/annotations.gen.go). The table below holds the annotations the lab and
the ICA tasks meet, with the kinds Istio allows them on; the deprecated/alpha notes of that
analyzer (IST0135, IST0136) are not given.
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import is_system_namespace

POD = ("Pod",)
ANY = ("Any",)
# annotation -> the kinds Istio allows it on
KNOWN: dict[str, tuple[str, ...]] = {
    "sidecar.istio.io/inject": POD,
    "sidecar.istio.io/status": POD,
    "sidecar.istio.io/proxyImage": POD,
    "sidecar.istio.io/proxyCPU": POD,
    "sidecar.istio.io/proxyCPULimit": POD,
    "sidecar.istio.io/proxyMemory": POD,
    "sidecar.istio.io/proxyMemoryLimit": POD,
    "sidecar.istio.io/logLevel": POD,
    "sidecar.istio.io/componentLogLevel": POD,
    "sidecar.istio.io/agentLogLevel": POD,
    "sidecar.istio.io/interceptionMode": POD,
    "sidecar.istio.io/bootstrapOverride": POD,
    "sidecar.istio.io/userVolume": POD,
    "sidecar.istio.io/userVolumeMount": POD,
    "sidecar.istio.io/statsInclusionPrefixes": POD,
    "sidecar.istio.io/statsInclusionSuffixes": POD,
    "sidecar.istio.io/statsInclusionRegexps": POD,
    "sidecar.istio.io/rewriteAppHTTPProbers": POD,
    "sidecar.istio.io/enableCoreDump": POD,
    "sidecar.istio.io/discoveryAddress": POD,
    "sidecar.istio.io/nativeSidecar": POD,
    "status.sidecar.istio.io/port": POD,
    "readiness.status.sidecar.istio.io/initialDelaySeconds": POD,
    "readiness.status.sidecar.istio.io/periodSeconds": POD,
    "readiness.status.sidecar.istio.io/failureThreshold": POD,
    "readiness.status.sidecar.istio.io/applicationPorts": POD,
    "traffic.sidecar.istio.io/includeOutboundIPRanges": POD,
    "traffic.sidecar.istio.io/excludeOutboundIPRanges": POD,
    "traffic.sidecar.istio.io/includeInboundPorts": POD,
    "traffic.sidecar.istio.io/excludeInboundPorts": POD,
    "traffic.sidecar.istio.io/includeOutboundPorts": POD,
    "traffic.sidecar.istio.io/excludeOutboundPorts": POD,
    "traffic.sidecar.istio.io/kubevirtInterfaces": POD,
    "proxy.istio.io/config": POD,
    "proxy.istio.io/overrides": POD,
    "inject.istio.io/templates": POD,
    "prometheus.istio.io/merge-metrics": POD,
    "ambient.istio.io/redirection": POD,
    "istio.io/rev": ANY,
    "istio.io/dry-run": ("AuthorizationPolicy",),
    "networking.istio.io/exportTo": ("Service",),
    "networking.istio.io/traffic-distribution": ("Service",),
    "networking.istio.io/service-type": ("Gateway",),
    "galley.istio.io/analyze-suppress": ANY,
    "kubectl.kubernetes.io/default-container": ANY,
    "operator.istio.io/managed": ANY,
    "install.operator.istio.io/owning-resource": ANY,
    "install.operator.istio.io/owning-resource-namespace": ANY,
    "operator.istio.io/component": ANY,
    "operator.istio.io/version": ANY,
    "istio.io/gateway-name": ANY,
    "gateway.istio.io/managed": ANY,
}
ANALYZED = ("Namespace", "Service", "Pod", "Deployment")


class AnnotationsAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "annotations.K8sAnalyzer", "Checks for misplaced and invalid Istio annotations in "
        "Kubernetes resources", ANALYZED)  # fmt: skip

    def analyze(self, context: Context) -> None:
        for kind in ANALYZED:
            for r in context.each(kind):
                if is_system_namespace(r.origin_namespace):
                    continue
                for name in r.annotations:
                    if "istio.io/" not in name:
                        continue
                    kinds = KNOWN.get(name)
                    if kinds is None:
                        context.report(msg.UnknownAnnotation, r, name)
                    elif (
                        kinds != ANY
                        and kind not in kinds
                        and not (kind == "Deployment" and kinds == POD)
                    ):
                        context.report(msg.MisplacedAnnotation, r, name, ", ".join(kinds))
