"""What every parsed Istio configuration object carries: its identity and age."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class ConfigKey:
    """Kind, namespace and name of a configuration object; prints as `name.namespace`, the
    form Envoy's route metadata and `istioctl` use."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.name}.{self.namespace}"


def meta_of(kind: str, obj: Mapping[str, Any]) -> tuple[ConfigKey, str]:
    """(key, creationTimestamp) of a stored object."""
    meta = obj.get("metadata") or {}
    key = ConfigKey(kind, str(meta.get("namespace", "")), str(meta.get("name", "")))
    return key, str(meta.get("creationTimestamp", ""))


def age_key(created: str, key: ConfigKey) -> tuple[str, str, str]:
    """Istio's order for configs of one kind: creation time, then name, then namespace
    (pilot/pkg/model/config.go sortConfigByCreationTime)."""
    return (created, key.name, key.namespace)


__all__ = ["ConfigKey", "age_key", "meta_of"]
