"""Whether istiod accepts a mesh config text, and the error it stops with when not.

istiod reads the `mesh` key of its ConfigMap as YAML converted to the MeshConfig proto
(istio/api mesh/v1alpha1/config.proto) with strict field checking: an unknown field or an
enum value it does not know makes it exit at start-up. The lab checks the fields candidates
edit; others are accepted as they are.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml

_PROTO = "istio.mesh.v1alpha1.MeshConfig"

# Top-level MeshConfig fields (istio/api mesh/v1alpha1/config.proto), camelCase as written.
KNOWN_FIELDS = frozenset(
    {
        "proxyListenPort",
        "proxyInboundListenPort",
        "proxyHttpPort",
        "connectTimeout",
        "protocolDetectionTimeout",
        "tcpKeepalive",
        "ingressClass",
        "ingressService",
        "ingressControllerMode",
        "ingressSelector",
        "enableTracing",
        "accessLogFile",
        "accessLogFormat",
        "accessLogEncoding",
        "enableEnvoyAccessLogService",
        "disableEnvoyListenerLog",
        "defaultConfig",
        "outboundTrafficPolicy",
        "inboundTrafficPolicy",
        "configSources",
        "enableAutoMtls",
        "trustDomain",
        "trustDomainAliases",
        "caCertificates",
        "defaultServiceExportTo",
        "defaultVirtualServiceExportTo",
        "defaultDestinationRuleExportTo",
        "rootNamespace",
        "localityLbSetting",
        "dnsRefreshRate",
        "h2UpgradePolicy",
        "inboundClusterStatName",
        "outboundClusterStatName",
        "certificates",
        "thriftConfig",
        "serviceSettings",
        "enablePrometheusMerge",
        "verifyCertificateAtClient",
        "ca",
        "extensionProviders",
        "defaultProviders",
        "discoverySelectors",
        "pathNormalization",
        "defaultHttpRetryPolicy",
        "meshMTLS",
        "tlsDefaults",
        "serviceScopeConfigs",
    }
)
_ENUMS: dict[str, tuple[str, frozenset[str]]] = {
    "outboundTrafficPolicy.mode": (
        "istio.mesh.v1alpha1.MeshConfig_OutboundTrafficPolicy_Mode",
        frozenset({"REGISTRY_ONLY", "ALLOW_ANY"}),
    ),
    "accessLogEncoding": (
        "istio.mesh.v1alpha1.MeshConfig_AccessLogEncoding",
        frozenset({"TEXT", "JSON"}),
    ),
    "ingressControllerMode": (
        "istio.mesh.v1alpha1.MeshConfig_IngressControllerMode",
        frozenset({"UNSPECIFIED", "OFF", "DEFAULT", "STRICT"}),
    ),
    "h2UpgradePolicy": (
        "istio.mesh.v1alpha1.MeshConfig_H2UpgradePolicy",
        frozenset({"DO_NOT_UPGRADE", "UPGRADE"}),
    ),
}
_BOOLS = ("enableTracing", "enableAutoMtls", "enablePrometheusMerge")
_STRINGS = ("accessLogFile", "trustDomain", "rootNamespace", "ingressClass", "ingressService")


@functools.lru_cache(maxsize=128)
def mesh_config_error(text: str | None) -> str | None:
    """None when istiod would accept `text`; else the error it logs before exiting."""
    if text is None or not text.strip():
        return None
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        line = str(exc).replace("\n", " ")
        return f"error converting YAML to JSON: yaml: {line}"
    if doc is None:
        return None
    if not isinstance(doc, dict):
        return f"cannot unmarshal {type(doc).__name__} into Go value of type {_PROTO}"
    for key in doc:
        if key not in KNOWN_FIELDS:
            return f'unknown field "{key}" in {_PROTO}'
    for path, (enum, values) in _ENUMS.items():
        value = _lookup(doc, path)
        if value is not None and value not in values:
            return f'invalid value for enum type: "{value}" ({enum})'
    for key in _BOOLS:
        if key in doc and not isinstance(doc[key], bool):
            return f"bad value for field {key}: {doc[key]!r} is not a boolean"
    for key in _STRINGS:
        if key in doc and doc[key] is not None and not isinstance(doc[key], str):
            return f"bad value for field {key}: {doc[key]!r} is not a string"
    return None


def _lookup(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
