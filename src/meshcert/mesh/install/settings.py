"""What the charts read from an effective IstioOperator spec: revision, hub/tag, namespace and
the values that matter, with the owner labels istioctl stamps on everything it applies
(istio/istio operator/pkg/install/install.go getOwnerLabels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meshcert.mesh.controlplane.naming import ISTIO_NAMESPACE

from .versions import HUB, ISTIO_VERSION

Spec = dict[str, Any]
Obj = dict[str, Any]


@dataclass(frozen=True)
class Settings:
    spec: Spec
    manager: str = "istioctl"  # or "helm"
    owner: str = ""  # the IstioOperator's metadata.name ("" = none: the charts say "unknown")

    @property
    def revision(self) -> str:
        """ "" for the unrevisioned (default) control plane."""
        rev = self.spec.get("revision") or self.value("revision") or ""
        return "" if rev == "default" else str(rev)

    @property
    def rev_label(self) -> str:
        return self.revision or "default"

    @property
    def suffix(self) -> str:
        return f"-{self.revision}" if self.revision else ""

    @property
    def namespace(self) -> str:
        return str(
            self.spec.get("namespace") or self.value("global.istioNamespace") or ISTIO_NAMESPACE
        )

    @property
    def hub(self) -> str:
        return str(self.spec.get("hub") or self.value("global.hub") or HUB)

    @property
    def tag(self) -> str:
        return str(self.spec.get("tag") or self.value("global.tag") or ISTIO_VERSION)

    @property
    def profile(self) -> str:
        return str(self.spec.get("profile") or "default")

    @property
    def cni_enabled(self) -> bool:
        components = self.spec.get("components") or {}
        cni = components.get("cni") or {}
        return (
            bool(cni.get("enabled"))
            or bool(self.value("istio_cni.enabled"))
            or bool(self.value("cni.enabled"))
        )

    def value(self, path: str, default: Any = None) -> Any:
        node: Any = self.spec.get("values") or {}
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def component(self, name: str) -> dict[str, Any]:
        found = (self.spec.get("components") or {}).get(name) or {}
        return found if isinstance(found, dict) else {}

    def owner_labels(self, component: str) -> dict[str, str]:
        if self.manager == "helm":
            return {"app.kubernetes.io/managed-by": "Helm", "istio.io/rev": self.rev_label}
        return {
            "install.operator.istio.io/owning-resource": self.owner or "unknown",
            "install.operator.istio.io/owning-resource-namespace": self.namespace,
            "istio.io/rev": self.rev_label,
            "operator.istio.io/component": component,
            "operator.istio.io/managed": "Reconcile",
            "operator.istio.io/version": ISTIO_VERSION,
        }


def stamp(obj: Obj, labels: dict[str, str]) -> Obj:
    """Add `labels` to an object's metadata (the object's own labels win)."""
    meta = obj.setdefault("metadata", {})
    meta["labels"] = {**labels, **(meta.get("labels") or {})}
    return obj
