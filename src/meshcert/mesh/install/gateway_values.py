"""The gateway charts' defaults for the values the lab reads, per gateway, and a user's
`values.gateways.<name>` coalesced into them as Helm does (istio/istio 1.26
manifests/charts/gateways/istio-ingress/values.yaml and istio-egress/values.yaml; the `gateway`
chart installed with helm, manifests/charts/gateway/values.yaml, has the same `resources`).

Quantities are written as the API server stores them (`2000m`/`1024Mi` read back as `2`/`1Gi`).
"""

from __future__ import annotations

from typing import Any

from .coalescing import coalesce
from .settings import Settings

Obj = dict[str, Any]

_GATEWAY_RESOURCES: Obj = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "2", "memory": "1Gi"},
}
INGRESS_DEFAULTS: Obj = {
    "resources": _GATEWAY_RESOURCES,
    "type": "LoadBalancer",
}
EGRESS_DEFAULTS: Obj = {**INGRESS_DEFAULTS, "type": "ClusterIP"}


def gateway_values(settings: Settings, name: str, *, ingress: bool) -> Obj:
    """`values.gateways.<name>` coalesced into the ingress or egress chart's defaults."""
    user = settings.value(f"gateways.{name}")
    defaults = INGRESS_DEFAULTS if ingress else EGRESS_DEFAULTS
    merged = coalesce(defaults, user)
    # a scalar where the chart has a table (helm warns "cannot overwrite table with non
    # table" and the chart then fails on it): the lab renders the chart's defaults instead
    return merged if isinstance(merged, dict) else coalesce(defaults, None)
