"""IST0118 PortNameIsNotUnderNamingConvention: a Service port whose protocol Istio cannot tell
from `appProtocol` or a `<protocol>[-<suffix>]` name (Istio then sniffs the protocol).
Source: istio/istio pkg/config/analysis/analyzers/service/portname.go (system namespaces and
Istio's own services, labelled `istio` or `release: istio`, are skipped). UDP ports and
ExternalName services (IST0150, not modelled) are left alone.
"""

from __future__ import annotations

from typing import ClassVar

from meshcert.mesh.config.services import protocol_of

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import is_system_namespace


class PortNameAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "service.PortNameAnalyzer", "Checks the port names associated with each service",
        ("Service",))  # fmt: skip

    def analyze(self, context: Context) -> None:
        for svc in context.each("Service"):
            if is_system_namespace(svc.namespace):
                continue
            if "istio" in svc.labels or svc.labels.get("release") == "istio":
                continue
            if svc.spec.get("type") == "ExternalName":
                continue
            for i, port in enumerate(svc.spec.get("ports") or []):
                name = str(port.get("name") or "")
                kube_protocol = str(port.get("protocol") or "TCP")
                if protocol_of(name, str(port.get("appProtocol") or ""), kube_protocol):
                    continue
                target = port.get("targetPort", port.get("port"))
                context.report(msg.PortNameIsNotUnderNamingConvention, svc, name,
                               int(port.get("port") or 0), str(target),
                               at=("spec", "ports", i, "port"))  # fmt: skip
