"""The istiod chart's defaults for the values the lab reads, and those values once a user's are
coalesced into them as Helm does (istio/istio 1.26 manifests/charts/istio-control/
istio-discovery/values.yaml, under `_internal_defaults_do_not_set`).

Only the keys the lab renders are described; a key the chart has but the lab does not read is
left out rather than guessed. Quantities are written as the API server stores them (the chart's
`2000m` and `1024Mi` come back from `kubectl get` as `2` and `1Gi`).
"""

from __future__ import annotations

from typing import Any

from .coalescing import coalesce
from .proxies import DEFAULT_PROXY_RESOURCES
from .settings import Settings

Obj = dict[str, Any]

ISTIOD_DEFAULTS: Obj = {
    "pilot": {
        "replicaCount": 1,
        "resources": {"requests": {"cpu": "500m", "memory": "2048Mi"}},
        "env": {},
    },
    "global": {
        "proxy": {
            "image": "proxyv2",
            "autoInject": "enabled",
            "clusterDomain": "cluster.local",
            "componentLogLevel": "misc:error",
            "excludeInboundPorts": "",
            "includeInboundPorts": "*",
            "includeIPRanges": "*",
            "excludeIPRanges": "",
            "includeOutboundPorts": "",
            "excludeOutboundPorts": "",
            "logLevel": "warning",
            "outlierLogPath": "",
            "privileged": False,
            "readinessFailureThreshold": 4,
            "readinessInitialDelaySeconds": 0,
            "readinessPeriodSeconds": 15,
            "startupProbe": {"enabled": True, "failureThreshold": 600},
            "resources": DEFAULT_PROXY_RESOURCES,
            "statusPort": 15020,
            "tracer": "none",
        },
    },
    "sidecarInjectorWebhook": {
        "neverInjectSelector": [],
        "alwaysInjectSelector": [],
        "injectedAnnotations": {},
        "enableNamespacesByDefault": False,
        "reinvocationPolicy": "Never",
        "rewriteAppHTTPProbe": True,
        "templates": {},
        "defaultTemplates": [],
    },
}


def istiod_values(settings: Settings) -> Obj:
    """The install's `values` coalesced into the istiod chart's defaults."""
    user = settings.spec.get("values") or {}
    merged = coalesce(ISTIOD_DEFAULTS, user if isinstance(user, dict) else {})
    return merged if isinstance(merged, dict) else dict(ISTIOD_DEFAULTS)


def value_at(values: Obj, path: str, default: Any = None) -> Any:
    """The value at dotted `path` of coalesced `values` (`default` when a user's null removed
    it or the chart has none)."""
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node
