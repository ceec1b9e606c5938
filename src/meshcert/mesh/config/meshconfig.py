"""The mesh config: the `mesh` key of ConfigMap `istio` (or `istio-<revision>`) in istio-system.

Defaults from istio/api mesh/v1alpha1/config.proto and pkg/config/mesh/mesh.go (DefaultMeshConfig):
rootNamespace istio-system, outboundTrafficPolicy ALLOW_ANY, enableAutoMtls true, trustDomain
cluster.local, no access log, no defaultHttpRetryPolicy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

ALLOW_ANY = "ALLOW_ANY"
REGISTRY_ONLY = "REGISTRY_ONLY"
ISTIO_NAMESPACE = "istio-system"


class MeshConfigError(ValueError):
    """The `mesh` value is not a YAML mapping (istiod refuses to start with it)."""


@dataclass(frozen=True)
class MeshConfig:
    """The fields of MeshConfig the simulation reads; `raw` holds the whole parsed document."""

    root_namespace: str = ISTIO_NAMESPACE
    outbound_policy: str = ALLOW_ANY
    default_http_retry_policy: Mapping[str, Any] | None = None
    access_log_file: str = ""
    access_log_encoding: str = "TEXT"
    enable_auto_mtls: bool = True
    trust_domain: str = "cluster.local"
    default_config: Mapping[str, Any] = field(default_factory=dict)
    default_virtual_service_export_to: frozenset[str] = frozenset({"*"})
    default_destination_rule_export_to: frozenset[str] = frozenset({"*"})
    default_service_export_to: frozenset[str] = frozenset({"*"})
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, text: str | None) -> MeshConfig:
        """Parse the ConfigMap's `mesh` value; None or empty = all defaults. Raises
        MeshConfigError when the text is not YAML or not a mapping."""
        if not text or not text.strip():
            return cls()
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise MeshConfigError(str(exc)) from exc
        if doc is None:
            return cls()
        if not isinstance(doc, dict):
            raise MeshConfigError("mesh config is not a mapping")
        return cls.from_dict(doc)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> MeshConfig:
        outbound = doc.get("outboundTrafficPolicy") or {}
        mode = str(outbound.get("mode") or ALLOW_ANY) if isinstance(outbound, dict) else ALLOW_ANY
        retry = doc.get("defaultHttpRetryPolicy")

        def exports(key: str) -> frozenset[str]:
            values = doc.get(key) or []
            return frozenset(str(v) for v in values) or frozenset({"*"})

        auto = doc.get("enableAutoMtls")
        return cls(
            root_namespace=str(doc.get("rootNamespace") or ISTIO_NAMESPACE),
            outbound_policy=mode.upper(),
            default_http_retry_policy=retry if isinstance(retry, dict) else None,
            access_log_file=str(doc.get("accessLogFile") or ""),
            access_log_encoding=str(doc.get("accessLogEncoding") or "TEXT"),
            enable_auto_mtls=True if auto is None else bool(auto),
            trust_domain=str(doc.get("trustDomain") or "cluster.local"),
            default_config=dict(doc.get("defaultConfig") or {}),
            default_virtual_service_export_to=exports("defaultVirtualServiceExportTo"),
            default_destination_rule_export_to=exports("defaultDestinationRuleExportTo"),
            default_service_export_to=exports("defaultServiceExportTo"),
            raw=dict(doc),
        )


__all__ = ["ALLOW_ANY", "ISTIO_NAMESPACE", "REGISTRY_ONLY", "MeshConfig", "MeshConfigError"]
