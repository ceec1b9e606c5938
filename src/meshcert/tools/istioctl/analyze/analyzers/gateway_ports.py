"""IST0101 ReferencedResourceNotFound (`selector`) and IST0162 GatewayPortNotDefinedOnService:
a Gateway whose selector matches no pod, or a server port that no Service selecting the
gateway's pods targets. Source: istio/istio
pkg/config/analysis/analyzers/gateway/gateway.go (IngressGatewayPortAnalyzer): the port a
server listens on is compared with the Services' `targetPort` (their `port` when the target is
named), TCP ports only; pods in any namespace count.
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import selector_string, selects


class IngressGatewayPortAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "gateway.IngressGatewayPortAnalyzer",
        "Checks a gateway's ports against the gateway's Kubernetes service ports",
        ("Gateway", "Pod", "Service"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        services: dict[str, list[Resource]] = {}
        for svc in context.each("Service"):
            services.setdefault(svc.namespace, []).append(svc)
        for gw in context.each("Gateway"):
            selector = gw.spec.get("selector") or {}
            pods = [p for p in context.each("Pod") if selects(selector, p.labels)]
            if not pods:
                context.report(msg.ReferencedResourceNotFound, gw, "selector",
                               selector_string(selector), at=_selector_path(selector))  # fmt: skip
                continue
            ports: set[int] = set()
            for pod in pods:
                for svc in services.get(pod.namespace, []):
                    if not svc.spec.get("selector") or not selects(svc.spec.get("selector"),
                                                                   pod.labels):  # fmt: skip
                        continue
                    for port in svc.spec.get("ports") or []:
                        if str(port.get("protocol") or "TCP") != "TCP":
                            continue
                        target = port.get("targetPort")
                        ports.add(target if isinstance(target, int) and target else
                                  int(port.get("port") or 0))  # fmt: skip
            for server in gw.spec.get("servers") or []:
                number = ((server or {}).get("port") or {}).get("number")
                if number is not None and int(number) not in ports:
                    at = _selector_path(selector)
                    selected = selector_string(selector)
                    context.report(msg.GatewayPortNotDefinedOnService, gw, int(number), selected,
                                   at=at)  # fmt: skip


def _selector_path(selector: dict[str, str]) -> tuple[str, ...]:
    """util.GatewaySelector: the line of the selector's first label."""
    return ("spec", "selector", min(selector)) if selector else ("spec", "selector")
