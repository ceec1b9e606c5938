"""From an effective IstioOperator spec to the objects of each component, in install order.

Component names, user-facing titles and icons come from istio/istio
operator/pkg/component/component.go; the install order follows its dependencies (base, then
istiod, then CNI before ztunnel and the gateways).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meshcert.kube.kinds import KindRegistry

from .ambient_charts import render_cni, render_ztunnel
from .base_chart import render_base
from .gateway_chart import enabled_gateways, render_gateway
from .istiod_chart import render_istiod
from .settings import Settings

Obj = dict[str, Any]


@dataclass
class RenderedComponent:
    """One component's objects: `name` as in IstioOperator (Base, Pilot, ...), `title` as the
    progress log prints it."""

    name: str
    title: str
    icon: str
    objects: list[Obj] = field(default_factory=list)


def _enabled(settings: Settings, key: str, default: bool) -> bool:
    found = settings.component(key)
    if not found:
        return default
    return bool(found.get("enabled", True))


def render(settings: Settings, registry: KindRegistry, *, default: bool) -> list[RenderedComponent]:
    """The components this spec installs, with their objects; `default` makes this revision's
    injector carry the default-revision webhooks."""
    out: list[RenderedComponent] = []
    if _enabled(settings, "base", True):
        out.append(RenderedComponent("Base", "Istio core", "⛵️", render_base(settings, registry)))
    if _enabled(settings, "pilot", True):
        out.append(
            RenderedComponent("Pilot", "Istiod", "🧠", render_istiod(settings, default=default))
        )
    elif _enabled(settings, "istiodRemote", False):
        objects = [
            o
            for o in render_istiod(settings, default=default)
            if o["kind"] in ("ConfigMap", "MutatingWebhookConfiguration")
        ]
        out.append(RenderedComponent("IstiodRemote", "Istiod remote", "🧠", objects))
    if _enabled(settings, "cni", False):
        out.append(RenderedComponent("Cni", "CNI", "🪢", render_cni(settings)))
    if _enabled(settings, "ztunnel", False):
        out.append(RenderedComponent("Ztunnel", "Ztunnel", "🔒", render_ztunnel(settings)))
    egress = enabled_gateways(settings, "egressGateways")
    if egress:
        objects = [o for g in egress for o in render_gateway(settings, g, ingress=False)]
        out.append(RenderedComponent("EgressGateways", "Egress gateways", "🛫", objects))
    ingress = enabled_gateways(settings, "ingressGateways")
    if ingress:
        objects = [o for g in ingress for o in render_gateway(settings, g, ingress=True)]
        out.append(RenderedComponent("IngressGateways", "Ingress gateways", "🛬", objects))
    return out
